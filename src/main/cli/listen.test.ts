import { mkdtempSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseListen, tokenFromFile } from './listen';

describe('--listen', () => {
  it('reads an address, a host name, and either with a port; IPv6 in brackets', () => {
    expect(parseListen('0.0.0.0:9464')).toEqual({ host: '0.0.0.0', port: 9464 });
    expect(parseListen('100.64.0.7')).toEqual({ host: '100.64.0.7' });
    expect(parseListen('vigil.lan:8080')).toEqual({ host: 'vigil.lan', port: 8080 });
    expect(parseListen('[::]:9464')).toEqual({ host: '::', port: 9464 });
    expect(parseListen('::1')).toEqual({ host: '::1' });
  });

  it('says what is wrong with a bad one', () => {
    expect(() => parseListen('0.0.0.0:99999')).toThrow('a port is a whole number from 0 to 65535');
    expect(() => parseListen('bad host')).toThrow('"bad host" is neither an address nor a host name');
    expect(() => parseListen('[nope]:1')).toThrow('is not an IPv6 address');
  });
});

describe('--token-file', () => {
  it('makes a token (mode 600) when missing, then reads the same one back; it is never printed', () => {
    const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'vigil-tok-')), 'serve-token');
    const notes: string[] = [];
    const a = tokenFromFile(file, (s) => notes.push(s));
    expect(a.length).toBeGreaterThanOrEqual(24);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(tokenFromFile(file, (s) => notes.push(s))).toBe(a);
    expect(notes.join('\n')).not.toContain(a);
    expect(notes).toEqual([expect.stringContaining(`wrote a new token to ${file}`)]);
  });

  it('refuses a short token and tightens a file others can read', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'vigil-tok-'));
    writeFileSync(path.join(dir, 'short'), 'abc\n');
    expect(() => tokenFromFile(path.join(dir, 'short'), () => {})).toThrow('at least 16 characters');
    const open = path.join(dir, 'open');
    writeFileSync(open, 'a-long-enough-token-0123456789\n', { mode: 0o644 });
    const notes: string[] = [];
    expect(tokenFromFile(open, (s) => notes.push(s))).toBe('a-long-enough-token-0123456789');
    expect(statSync(open).mode & 0o777).toBe(0o600);
    expect(notes[0]).toMatch(/was readable by other users; it is now mode 600/);
  });
});
