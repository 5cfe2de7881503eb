// One probe per host per tick, run in the long-lived control shell: file identities (inode, size,
// mtime) for every tracked file, process liveness, and now and then the remote clock. Shell builtins
// do the tests; the script starts one `stat`, one `ps` when any worker is found by pattern (every
// pattern is matched against its output by `case`, a builtin), and `date` when the clock is due. The session runs the whole script under `nice` and `timeout`, so nothing
// here can outlive its bound. Building the script and reading its output are pure functions.

import { RemotePathError, shQuote } from '../ssh';

export interface ProbeRequest {
  /** Absolute remote paths of the files to stat. */
  files: string[];
  /** Absolute remote paths of pid files. */
  pidFiles: string[];
  /** Fixed substrings to find in running processes' command lines. */
  patterns: string[];
  /** Ask for the remote clock this time. */
  clock: boolean;
  /** Absolute patterns whose last segment is a glob (`/runs/exp1/events.out.tfevents.*`). */
  globs?: string[];
}

export interface RemoteFileStat {
  inode: number;
  size: number;
  /** Modification time, seconds since the Unix epoch on the remote clock. */
  mtimeSec: number;
}

export type FileProbe =
  | { kind: 'ok'; stat: RemoteFileStat }
  | { kind: 'missing' }
  | { kind: 'unreadable' }
  | { kind: 'error'; message: string };

export type PidProbe =
  | { kind: 'running'; pid: number }
  | { kind: 'dead'; pid: number }
  | { kind: 'no-file' }
  | { kind: 'bad'; content: string };

export interface ProbeResult {
  files: Map<string, FileProbe>;
  /** pattern → the files it matches now, in the shell's (sorted) order. */
  globs: Map<string, string[]>;
  pids: Map<string, PidProbe>;
  /** pattern → running? null when `ps` itself failed. */
  patterns: Map<string, boolean | null>;
  /**
   * Remote clock, seconds, when asked: to the nanosecond where `date` knows `%N` (GNU coreutils), else
   * whole seconds read as the middle of their second (+0.5), the unbiased guess.
   */
  remoteNowSec: number | null;
  /** Lines the probe could not attribute (shown by doctor). */
  stray: string[];
}

/**
 * A `case` pattern matching command lines that contain the fixed string, with one letter in brackets
 * (the rest quoted, so nothing in it is special) so it does not match the probe's own `sh -c`: `*[t]'rain.py'*`.
 */
export function selfExcludingGlob(fixed: string): string {
  const at = fixed.search(/[A-Za-z0-9]/);
  if (at < 0) return `*${shQuote(fixed)}*`;
  const before = fixed.slice(0, at);
  const after = fixed.slice(at + 1);
  return `*${before ? shQuote(before) : ''}[${fixed[at]}]${after ? shQuote(after) : ''}*`;
}

const GLOB_CHARS = /[*?[]/;
const SAFE_GLOB = /^[A-Za-z0-9._*?[\]!-]+$/;

export function isGlob(path: string): boolean {
  return GLOB_CHARS.test(path);
}

/**
 * Splits a pattern into its folder (quoted in the script) and its last segment (left unquoted so the
 * shell expands it); only plain glob characters may stand there, so nothing in it can run.
 */
export function splitGlob(pattern: string): { dir: string; glob: string } {
  const slash = pattern.lastIndexOf('/');
  const dir = pattern.slice(0, slash) || '/';
  const glob = pattern.slice(slash + 1);
  if (isGlob(dir))
    throw new RemotePathError(
      `${pattern}: only the file name may hold wildcards (*, ?, [...]), not the folders`,
    );
  if (!SAFE_GLOB.test(glob)) {
    throw new RemotePathError(
      `${pattern}: a wildcard file name may only use letters, digits, . _ - and * ? [ ] !`,
    );
  }
  return { dir, glob };
}

export function buildProbeScript(req: ProbeRequest): string {
  // Lines are gathered in a variable and printed with one write before `stat`: an `echo` each was a
  // write each, and often an SSH packet each, to decrypt and dispatch on Vigil's side.
  const lines: string[] = ['set --; _vo=; o() { _vo="$_vo$*', '"; }'];
  if (req.patterns.length > 0) {
    // One `ps` for every pattern (a `pgrep` each would start a process per pattern per poll); a failed
    // `ps` answers 2 for each, as a failed `pgrep` would.
    lines.push('_vp=$(ps -A -o args= 2>/dev/null); _vq=$?');
    req.patterns.forEach((pattern, i) => {
      lines.push(
        `if [ $_vq -ne 0 ]; then o "Q ${i} 2"; else case "$_vp" in ${selfExcludingGlob(pattern)}) o "Q ${i} 0";; *) o "Q ${i} 1";; esac; fi`,
      );
    });
  }
  req.pidFiles.forEach((path, i) => {
    const q = shQuote(path);
    lines.push(
      `if [ -r ${q} ]; then read -r p _ < ${q}; case "$p" in ''|*[!0-9]*) o "P ${i} bad $p";; *) ` +
        `if [ -d /proc/self ]; then [ -d "/proc/$p" ]; else kill -0 "$p" 2>/dev/null; fi && o "P ${i} run $p" || o "P ${i} dead $p";; esac; ` +
        `else o "P ${i} none"; fi`,
    );
  });
  // Sub-second where `date` has %N: polls run on beats, so whole seconds would be read at the same
  // moment of their second every time and bias the clock offset (and so every progress time) by ~0.5 s.
  if (req.clock) lines.push(`o "C $(date +%s.%N)"`);
  (req.globs ?? []).forEach((pattern, i) => {
    const { dir, glob } = splitGlob(pattern);
    lines.push(
      `for f in ${shQuote(dir)}/${glob}; do [ -e "$f" ] || continue; o "G ${i} $f"; set -- "$@" "$f"; done`,
    );
  });
  req.files.forEach((path, i) => {
    const q = shQuote(path);
    lines.push(`if [ -e ${q} ]; then [ -r ${q} ] || o "U ${i}"; set -- "$@" ${q}; else o "M ${i}"; fi`);
  });
  lines.push(`printf '%s' "$_vo"`);
  // `stat` comes last and replaces the script's shell (`exec`: no fork), so a probe starts `timeout`, its
  // `sh` (which becomes `stat`), and `ps` when patterns are watched: three processes at most.
  if (req.files.length > 0 || (req.globs ?? []).length > 0) {
    lines.push(`if [ $# -gt 0 ]; then exec stat -L -c 'S %i %s %Y %n' -- "$@" 2>&1; fi`);
  }
  return lines.join('\n');
}

type ProbeLine =
  | { tag: 'S'; path: string; stat: RemoteFileStat }
  | { tag: 'M' | 'U'; index: number }
  | { tag: 'P'; index: number; probe: PidProbe }
  | { tag: 'Q'; index: number; code: number }
  | { tag: 'C'; sec: number }
  | { tag: 'G'; index: number; path: string }
  | { tag: 'stray' };

function classify(line: string): ProbeLine {
  const s = line.match(/^S (\d+) (\d+) (\d+) (.*)$/);
  if (s)
    return {
      tag: 'S',
      path: s[4]!,
      stat: { inode: Number(s[1]), size: Number(s[2]), mtimeSec: Number(s[3]) },
    };
  const mu = line.match(/^([MU]) (\d+)$/);
  if (mu) return { tag: mu[1] as 'M' | 'U', index: Number(mu[2]) };
  const p = line.match(/^P (\d+) (run|dead|none|bad) ?(.*)$/);
  if (p) {
    const pid = Number(p[3]);
    const kind = p[2];
    const probe: PidProbe =
      kind === 'run'
        ? { kind: 'running', pid }
        : kind === 'dead'
          ? { kind: 'dead', pid }
          : kind === 'none'
            ? { kind: 'no-file' }
            : { kind: 'bad', content: p[3] ?? '' };
    return { tag: 'P', index: Number(p[1]), probe };
  }
  const q = line.match(/^Q (\d+) (\d+)$/);
  if (q) return { tag: 'Q', index: Number(q[1]), code: Number(q[2]) };
  const g = line.match(/^G (\d+) (.*)$/);
  if (g) return { tag: 'G', index: Number(g[1]), path: g[2]! };
  // GNU: "C 1764400000.123456789"; a `date` without %N prints "C 1764400000.N" or ".%N".
  const c = line.match(/^C (\d+)(?:\.(\d+)|\.\S*)?$/);
  if (c) return { tag: 'C', sec: c[2] ? Number(`${c[1]}.${c[2]}`) : Number(c[1]) + 0.5 };
  return { tag: 'stray' };
}

export function parseProbeOutput(req: ProbeRequest, stdout: string): ProbeResult {
  const result: ProbeResult = {
    files: new Map(),
    globs: new Map((req.globs ?? []).map((p) => [p, [] as string[]])),
    pids: new Map(),
    patterns: new Map(),
    remoteNowSec: null,
    stray: [],
  };
  const unreadable = new Set<string>();
  const globbed = new Set<string>();
  // Paths never hold a newline (the config refuses them), so one line is one answer.
  for (const line of stdout.split('\n')) {
    if (line === '') continue;
    const l = classify(line);
    if (l.tag === 'G' && req.globs?.[l.index] !== undefined) {
      result.globs.get(req.globs[l.index]!)!.push(l.path);
      globbed.add(l.path);
    } else if (l.tag === 'S' && (req.files.includes(l.path) || globbed.has(l.path))) {
      result.files.set(l.path, { kind: 'ok', stat: l.stat });
    } else if ((l.tag === 'M' || l.tag === 'U') && req.files[l.index] !== undefined) {
      const path = req.files[l.index]!;
      if (l.tag === 'M') result.files.set(path, { kind: 'missing' });
      else unreadable.add(path);
    } else if (l.tag === 'P' && req.pidFiles[l.index] !== undefined)
      result.pids.set(req.pidFiles[l.index]!, l.probe);
    else if (l.tag === 'Q' && req.patterns[l.index] !== undefined) {
      result.patterns.set(req.patterns[l.index]!, l.code === 0 ? true : l.code === 1 ? false : null);
    } else if (l.tag === 'C') result.remoteNowSec = l.sec;
    else result.stray.push(line);
  }
  for (const path of req.files) {
    if (unreadable.has(path) && result.files.get(path)?.kind !== 'missing') {
      result.files.set(path, { kind: 'unreadable' });
      continue;
    }
    if (!result.files.has(path)) {
      const said = result.stray.find((l) => l.includes(path));
      result.files.set(path, {
        kind: 'error',
        message: said ?? 'the remote stat gave no answer for this file',
      });
    }
  }
  return result;
}
