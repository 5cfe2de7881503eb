// Which rsync this computer has, from the first line of `rsync --version`, and what it can do. Pure.
//
// macOS 15.4 and later ship openrsync as /usr/bin/rsync ("openrsync: protocol version 29"), macOS 14 and
// earlier GNU rsync 2.6.9 (protocol 29), Homebrew and Linux GNU rsync 3.x. The options Vigil relies on
// arrived over the years:
//   -s / --protect-args        GNU 3.0.0   (paths travel inside the protocol, not through the remote shell)
//   --no-inc-recursive         GNU 3.0.0   (there is no incremental recursion before it, so no need)
//   --info=progress2,stats1    GNU 3.1.0   (one progress line for the whole transfer)
//   --partial-dir, --inplace   GNU 2.6.x   (openrsync has neither)
//   --prune-empty-dirs         GNU 2.6.7   (openrsync: no)
// and openrsync splits `-e` on blanks with no quoting at all, where GNU rsync honours '…' and "…".
// A first line Vigil does not recognise gets the smallest set: it is what every rsync accepts.

export type RsyncFlavour =
  | { kind: 'gnu'; version: string; protocol: number | null }
  | { kind: 'openrsync'; protocol: number | null }
  | { kind: 'unknown'; firstLine: string };

export interface RsyncCaps {
  /** -s: paths are sent inside the protocol; else Vigil quotes remote paths for the remote shell. */
  protectArgs: boolean;
  /** --info=progress2,stats1,flist2; else per-file --progress and --stats. */
  infoProgress2: boolean;
  /** --no-inc-recursive (only where incremental recursion exists). */
  noIncRecursive: boolean;
  /** --partial-dir; else --partial (an interrupted file is kept under its own name). */
  partialDir: boolean;
  /** --inplace; else a growing file is replaced by a new copy on each sync. */
  inplace: boolean;
  /** --prune-empty-dirs; else folders with no matching file are created empty. */
  pruneEmptyDirs: boolean;
  /** -e honours '…' and "…"; else it is split on blanks and every word must be blank-free. */
  rshQuotes: boolean;
}

const FULL: RsyncCaps = {
  protectArgs: true,
  infoProgress2: true,
  noIncRecursive: true,
  partialDir: true,
  inplace: true,
  pruneEmptyDirs: true,
  rshQuotes: true,
};

/** What every rsync Vigil knows accepts: openrsync's set. */
export const SMALLEST_CAPS: RsyncCaps = {
  protectArgs: false,
  infoProgress2: false,
  noIncRecursive: false,
  partialDir: false,
  inplace: false,
  pruneEmptyDirs: false,
  rshQuotes: false,
};

/** Reads `rsync --version` (stdout and stderr together: openrsync prints it on stderr). */
export function parseRsyncVersion(output: string): RsyncFlavour {
  const firstLine = output.split('\n').find((l) => l.trim() !== '') ?? '';
  const open = /^\s*openrsync\b(?:.*?protocol version (\d+))?/i.exec(firstLine);
  if (open) return { kind: 'openrsync', protocol: open[1] ? Number(open[1]) : null };
  const gnu = /^\s*rsync\s+version\s+v?(\d+\.\d+(?:\.\d+)?)\S*(?:\s+protocol version (\d+))?/i.exec(
    firstLine,
  );
  if (gnu) return { kind: 'gnu', version: gnu[1]!, protocol: gnu[2] ? Number(gnu[2]) : null };
  return { kind: 'unknown', firstLine: firstLine.trim() };
}

function versionAtLeast(version: string, major: number, minor: number): boolean {
  const [a = 0, b = 0] = version.split('.').map(Number);
  return a > major || (a === major && b >= minor);
}

export function capsOf(f: RsyncFlavour): RsyncCaps {
  if (f.kind !== 'gnu') return SMALLEST_CAPS;
  if (versionAtLeast(f.version, 3, 1)) return FULL;
  if (versionAtLeast(f.version, 3, 0)) return { ...FULL, infoProgress2: false };
  return {
    ...FULL,
    protectArgs: false,
    infoProgress2: false,
    noIncRecursive: false,
    pruneEmptyDirs: versionAtLeast(f.version, 2, 6) && !/^2\.6\.[0-6]$/.test(f.version),
  };
}

/** "GNU rsync 3.2.7 (protocol 31)", "openrsync (protocol 29)". */
export function describeFlavour(f: RsyncFlavour): string {
  if (f.kind === 'gnu') return `GNU rsync ${f.version}${f.protocol ? ` (protocol ${f.protocol})` : ''}`;
  if (f.kind === 'openrsync') return `openrsync${f.protocol ? ` (protocol ${f.protocol})` : ''}`;
  return `an rsync Vigil does not recognise ("${f.firstLine}"): using the options every rsync has`;
}

/** What this rsync cannot do, as the user would notice it; empty for GNU rsync ≥ 3.1. */
export function limitsOf(caps: RsyncCaps): string[] {
  const out: string[] = [];
  if (!caps.inplace) {
    out.push(
      'no --inplace: a growing file (log, TensorBoard event file) is replaced by a new copy on each sync, ' +
        'so a local TensorBoard that holds the old one open may not see new data until it reloads',
    );
  }
  if (!caps.partialDir) {
    out.push(
      'no --partial-dir: an interrupted transfer leaves the partial file in place of the older copy until the next sync completes it',
    );
  }
  if (!caps.infoProgress2)
    out.push('no --info=progress2: progress is counted file by file, with no time left');
  if (!caps.protectArgs) out.push('no -s: Vigil quotes remote paths for the remote shell itself');
  if (!caps.pruneEmptyDirs) out.push('no --prune-empty-dirs: `include` rules leave empty folders');
  return out;
}

export const RSYNC_FIX =
  'install GNU rsync (macOS: brew install rsync; Vigil prefers /opt/homebrew/bin/rsync), or name one with `rsync: /path/to/rsync` in the config';
