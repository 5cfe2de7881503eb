import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { joinRemote, RemotePathError, remotePath, shQuote } from './shell-quote';

// The real sh is the judge: whatever shQuote produces must come back byte for byte as one word.
function echoThroughSh(word: string): string {
  return execFileSync('sh', ['-c', `printf '%s|' ${word}`], { encoding: 'utf8', cwd: '/' });
}

describe('shQuote', () => {
  const hostile = [
    '$(touch /tmp/vigil-pwned)',
    '`id`',
    'a; rm -rf ~',
    "it's",
    "''",
    '"double" and \'single\'',
    'two  spaces',
    '*',
    '/etc/*.conf',
    '?[a-z]{x,y}',
    '$HOME',
    '~',
    'a\\b',
    'tab\there',
    'line1\nline2',
    '-n',
    'a=b',
    '',
    'ünï/çødé',
    '&|<>()#!',
  ];

  for (const s of hostile) {
    it(`keeps ${JSON.stringify(s)} as one literal word`, () => {
      expect(echoThroughSh(shQuote(s))).toBe(`${s}|`);
    });
  }

  it('leaves plain words bare and quotes the rest', () => {
    expect(shQuote('results/metrics.jsonl')).toBe('results/metrics.jsonl');
    expect(shQuote('a b')).toBe("'a b'");
    expect(shQuote("it's")).toBe("'it'\\''s'");
    expect(shQuote('')).toBe("''");
    expect(shQuote('a=b')).toBe("'a=b'");
  });

  it('refuses NUL', () => {
    expect(() => shQuote('a\0b')).toThrow(RemotePathError);
  });
});

describe('remotePath', () => {
  const home = '/home/ubuntu';

  it('expands ~ and ~/', () => {
    expect(remotePath('~', home)).toBe('/home/ubuntu');
    expect(remotePath('~/', home)).toBe('/home/ubuntu');
    expect(remotePath('~/runs/w1', home)).toBe('/home/ubuntu/runs/w1');
  });

  it('keeps absolute paths and normalises them', () => {
    expect(remotePath('/data//runs/./w1/', home)).toBe('/data/runs/w1');
    expect(remotePath('/', home)).toBe('/');
  });

  it('resolves relative paths against the base, else the home directory', () => {
    expect(remotePath('logs/train.log', home, '~/runs/w1')).toBe('/home/ubuntu/runs/w1/logs/train.log');
    expect(remotePath('../w2/x', home, '/data/runs/w1')).toBe('/data/runs/w2/x');
    expect(remotePath('runs/w1', home)).toBe('/home/ubuntu/runs/w1');
  });

  it('keeps hostile characters as they are (quoting is shQuote’s job)', () => {
    expect(remotePath('~/$(id)/`x`;y', home)).toBe('/home/ubuntu/$(id)/`x`;y');
  });

  it('refuses NUL, newlines, ~user and a relative home', () => {
    expect(() => remotePath('~/a\0b', home)).toThrow(/NUL/);
    expect(() => remotePath('~/a\nb', home)).toThrow(/newline/);
    expect(() => remotePath('~root/x', home)).toThrow(/~user/);
    expect(() => remotePath('', home)).toThrow(/empty/);
    expect(() => remotePath('x', 'relative')).toThrow(/absolute/);
  });
});

describe('joinRemote', () => {
  it('appends relative paths and keeps absolute or ~ paths', () => {
    expect(joinRemote('~/runs/w1', 'results/metrics.jsonl')).toBe('~/runs/w1/results/metrics.jsonl');
    expect(joinRemote('/data/w1/', './a//b')).toBe('/data/w1/a/b');
    expect(joinRemote('/data/w1', '/abs/file')).toBe('/abs/file');
    expect(joinRemote('/data/w1', '~/file')).toBe('~/file');
  });

  it('refuses newlines in either part', () => {
    expect(() => joinRemote('/a\nb', 'c')).toThrow(RemotePathError);
    expect(() => joinRemote('/a', 'c\r')).toThrow(RemotePathError);
  });
});
