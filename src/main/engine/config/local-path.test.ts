import { describe, expect, it } from 'vitest';
import { expandHome, toLocalPath } from './local-path';

describe('local paths', () => {
  it('expands ~ and ~/ only', () => {
    expect(expandHome('~', '/home/u')).toBe('/home/u');
    expect(expandHome('~/x/y', '/home/u')).toBe('/home/u/x/y');
    expect(expandHome('a/~/b', '/home/u')).toBe('a/~/b');
  });

  it('makes relative paths absolute against the config folder and keeps a trailing slash', () => {
    expect(toLocalPath('mirror/', '/home/u', '/etc/vigil')).toBe('/etc/vigil/mirror/');
    expect(toLocalPath('~/Vigil/I3D/', '/home/u', '/etc/vigil')).toBe('/home/u/Vigil/I3D/');
    expect(toLocalPath('/abs/../x', '/home/u', '/etc/vigil')).toBe('/x');
  });

  it('refuses ~user paths with a clear message', () => {
    expect(() => toLocalPath('~bob/keys', '/home/u', '/')).toThrow(
      '"~bob/keys": only "~/" (your home) is expanded',
    );
  });
});
