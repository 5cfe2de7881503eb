import { describe, expect, it } from 'vitest';
import { capsOf, describeFlavour, limitsOf, parseRsyncVersion, SMALLEST_CAPS } from './rsync-flavour';

describe('recognising the rsync from --version', () => {
  it.each([
    ['rsync  version 3.2.7  protocol version 31\nCopyright (C) 1996-2022 …', 'gnu', '3.2.7', 31],
    ['rsync  version v3.2.3  protocol version 31', 'gnu', '3.2.3', 31],
    ['rsync  version 3.0.9  protocol version 30', 'gnu', '3.0.9', 30],
    [
      'rsync  version 2.6.9  protocol version 29\nCopyright (C) 1996-2006 by Andrew Tridgell…',
      'gnu',
      '2.6.9',
      29,
    ],
  ])('%j is GNU rsync', (text, kind, version, protocol) => {
    expect(parseRsyncVersion(text)).toEqual({ kind, version, protocol });
  });

  it('knows openrsync (macOS 15.4+ prints a second line; upstream prints only the first, on stderr)', () => {
    expect(parseRsyncVersion('openrsync: protocol version 29\nrsync version 2.6.9 compatible\n')).toEqual({
      kind: 'openrsync',
      protocol: 29,
    });
    expect(parseRsyncVersion('\nopenrsync: protocol version 27\n')).toEqual({
      kind: 'openrsync',
      protocol: 27,
    });
  });

  it('calls anything else unknown and gives it the options every rsync has', () => {
    const f = parseRsyncVersion('some-sync 1.0');
    expect(f).toEqual({ kind: 'unknown', firstLine: 'some-sync 1.0' });
    expect(capsOf(f)).toEqual(SMALLEST_CAPS);
    expect(describeFlavour(f)).toMatch(/does not recognise/);
  });
});

describe('what each rsync can do', () => {
  const caps = (text: string) => capsOf(parseRsyncVersion(text));

  it('GNU ≥ 3.1 has everything and no limits', () => {
    const c = caps('rsync  version 3.1.0  protocol version 31');
    expect(Object.values(c).every(Boolean)).toBe(true);
    expect(limitsOf(c)).toEqual([]);
  });

  it('GNU 3.0 lacks only --info=progress2', () => {
    expect(caps('rsync  version 3.0.9  protocol version 30')).toEqual({
      protectArgs: true,
      infoProgress2: false,
      noIncRecursive: true,
      partialDir: true,
      inplace: true,
      pruneEmptyDirs: true,
      rshQuotes: true,
    });
  });

  it('GNU 2.6.9 lacks -s, --info and --no-inc-recursive (it has no incremental recursion)', () => {
    expect(caps('rsync  version 2.6.9  protocol version 29')).toEqual({
      protectArgs: false,
      infoProgress2: false,
      noIncRecursive: false,
      partialDir: true,
      inplace: true,
      pruneEmptyDirs: true,
      rshQuotes: true,
    });
  });

  it('openrsync has the smallest set; doctor says what the user will notice', () => {
    const c = caps('openrsync: protocol version 29');
    expect(c).toEqual(SMALLEST_CAPS);
    const limits = limitsOf(c).join('\n');
    expect(limits).toMatch(/TensorBoard/);
    expect(limits).toMatch(/partial file in place/);
    expect(limits).toMatch(/quotes remote paths/);
  });
});
