import { describe, expect, it } from 'vitest';
import { folderKey, hashedSegment, isPlainSegment, workerFolders } from './folder-names';

describe('worker folders', () => {
  it('a safe name shared by no other worker keeps its folder (existing mirrors are found where they were)', () => {
    const f = workerFolders(['i3d', 'slowfast x2', 'exp_1', 'résumé', 'a.b-c']);
    expect([...f.values()]).toEqual(['i3d', 'slowfast x2', 'exp_1', 'résumé', 'a.b-c']);
  });

  it('names that used to share a folder no longer do: exp/1, exp_1 and "exp:1 "', () => {
    const f = workerFolders(['exp/1', 'exp_1', 'exp:1 ']);
    expect(f.get('exp_1')).toBe('exp_1'); // the safe one keeps its folder
    expect(f.get('exp/1')).toMatch(/^exp_1~[0-9a-f]{10}$/);
    expect(f.get('exp:1 ')).toMatch(/^exp_1~[0-9a-f]{10}$/);
    expect(new Set([...f.values()].map(folderKey)).size).toBe(3);
  });

  it('names equal but for case or Unicode form (one folder on macOS) are both hashed', () => {
    const nfc = 'caf\u00e9';
    const nfd = 'cafe\u0301';
    const f = workerFolders(['Exp', 'exp', nfc, nfd, 'other']);
    expect(f.get('Exp')).toMatch(/^Exp~/);
    expect(f.get('exp')).toMatch(/^exp~/);
    expect(f.get(nfc)).not.toBe(nfc);
    expect(f.get(nfd)).not.toBe(nfd);
    expect(f.get('other')).toBe('other');
    expect(new Set([...f.values()].map(folderKey)).size).toBe(5);
  });

  it('a plain name can never take the hashed form, nor be too long, nor be . or ..', () => {
    const looksHashed = `exp_1~${hashedSegment('exp/1').slice(-10)}`;
    expect(isPlainSegment(looksHashed)).toBe(false);
    expect(isPlainSegment(looksHashed.toUpperCase())).toBe(false);
    expect(workerFolders(['exp/1', looksHashed]).get(looksHashed)).not.toBe(
      workerFolders(['exp/1']).get('exp/1'),
    );
    expect(isPlainSegment('x'.repeat(256))).toBe(false);
    expect(Buffer.byteLength(hashedSegment('é'.repeat(500)))).toBeLessThanOrEqual(131);
    for (const n of ['.', '..', '', ' ', 'a\nb', 'a/b', 'a\\b', 'a:b']) expect(isPlainSegment(n)).toBe(false);
    for (const n of ['.', '..']) expect(workerFolders([n]).get(n)).not.toMatch(/^\.\.?$/);
  });

  it('injective over thousands of hostile names (as macOS compares them)', () => {
    let seed = 17;
    const next = () => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return seed / 2 ** 32;
    };
    const alphabet = ['a', 'A', 'b', 'B', '_', '/', ':', ' ', '.', '\\', '*', '~', '0', 'é', 'e\u0301', '\n'];
    const names = new Set<string>();
    while (names.size < 5000) {
      let n = '';
      const len = 1 + Math.floor(next() * 6);
      for (let i = 0; i < len; i++) n += alphabet[Math.floor(next() * alphabet.length)];
      names.add(n);
    }
    const f = workerFolders([...names]);
    expect(new Set([...f.values()].map(folderKey)).size).toBe(names.size);
    for (const folder of f.values()) expect(folder).not.toMatch(/[/\\:\n]|^\.\.?$/);
  });
});
