// One probe per host per tick, run in the long-lived control shell: each tracked file's type (checked
// before anything opens it: a named pipe would hang its reader), identity (inode, size, mtime), process
// liveness, and now and then the remote clock. Shell builtins do the tests; the script starts one
// `stat` (as `exec`, replacing its shell), one `ps` when any worker is found by pattern (matched by
// `case`, a builtin), and `date` when the clock is due. The session runs it under `nice` and `timeout`,
// so nothing here outlives its bound. Its answer is framed (frame.ts) and each record is bound to what
// the request asked; building the script and reading the answer are pure functions.

import { RemotePathError, shQuote } from '../ssh';
import {
  decodeName,
  FILE_TYPES,
  type Frame,
  printable,
  readFrames,
  SH_BYTES,
  SH_END,
  SH_PRELUDE,
  STAT_FORMAT,
  type StatLine,
  typeOfMode,
} from './frame';

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
  /** Bytes on disk (blocks × block size): far below `size` in a sparse file. */
  allocated?: number;
}

export type FileProbe =
  | { kind: 'ok'; stat: RemoteFileStat }
  | { kind: 'missing' }
  | { kind: 'unreadable' }
  /** It exists but is not a regular file (`what`: "a named pipe", "a folder"…): never opened. */
  | { kind: 'not-regular'; what: string }
  | { kind: 'error'; message: string };

export type PidProbe =
  | { kind: 'running'; pid: number }
  | { kind: 'dead'; pid: number }
  | { kind: 'no-file' }
  | { kind: 'unreadable' }
  | { kind: 'not-regular'; what: string }
  | { kind: 'bad'; content: string };

export interface ProbeResult {
  files: Map<string, FileProbe>;
  /** pattern → the files it matches now, in the shell's (byte) order. */
  globs: Map<string, string[]>;
  pids: Map<string, PidProbe>;
  /** pattern → running? null when `ps` itself failed. */
  patterns: Map<string, boolean | null>;
  /**
   * Remote clock, seconds, when asked: to the nanosecond where `date` knows `%N` (GNU coreutils), else
   * whole seconds read as the middle of their second (+0.5), the unbiased guess.
   */
  remoteNowSec: number | null;
  /** Output outside the frames (stat's errors, shell noise), shown by doctor. */
  stray: string[];
  /** The answer could not be read at all (then every map is empty): why. */
  error: string | null;
}

/** "X is a named pipe, not a file": what a worker shows for a path it will not open. */
export function notRegularMessage(path: string, what: string): string {
  return what === FILE_TYPES.o ? `${path} is not a regular file` : `${path} is ${what}, not a file`;
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

/**
 * `t`: the type of "$p" into $_t, by `test` alone (it follows links, and never opens the path): f a
 * readable regular file, u an unreadable one, m missing, else a letter of FILE_TYPES.
 */
const SH_TYPE =
  't() { if [ -f "$p" ]; then if [ -r "$p" ]; then _t=f; else _t=u; fi; elif [ -p "$p" ]; then _t=p; ' +
  'elif [ -d "$p" ]; then _t=d; elif [ -S "$p" ]; then _t=s; elif [ -c "$p" ]; then _t=c; ' +
  'elif [ -b "$p" ]; then _t=b; elif [ -e "$p" ]; then _t=o; else _t=m; fi; }';

const words = (paths: string[]) => paths.map(shQuote).join(' ');

export function buildProbeScript(req: ProbeRequest): string {
  const globs = req.globs ?? [];
  const lines: string[] = [SH_PRELUDE];
  if (req.patterns.length > 0) {
    // One `ps` for every pattern (a `pgrep` each would start a process per pattern per poll); a failed
    // `ps` answers 2 for each. Before LC_ALL=C: ps would show non-ASCII command lines as `?`.
    lines.push('_vp=$(ps -A -o args= 2>/dev/null); _vq=$?');
    req.patterns.forEach((pattern, i) => {
      lines.push(
        `if [ $_vq -ne 0 ]; then o Q ${i} 2; else case "$_vp" in ${selfExcludingGlob(pattern)}) o Q ${i} 0;; *) o Q ${i} 1;; esac; fi`,
      );
    });
  }
  lines.push(SH_BYTES, SH_TYPE);
  if (req.pidFiles.length > 0) {
    // Read only once `t` said it is a regular file: `read < fifo` would wait for a writer for ever.
    lines.push(
      `_i=0; for p in ${words(req.pidFiles)}; do t; case $_t in ` +
        'f) _p=; read -r _p _ < "$p"; case "$_p" in ' +
        '\'\'|*[!0-9]*) o P $_i "bad $_p";; ' +
        '*) if [ -d /proc/self ]; then [ -d "/proc/$_p" ]; else kill -0 "$_p"; fi && o P $_i "run $_p" || o P $_i "dead $_p";; esac;; ' +
        'm) o P $_i none;; *) o P $_i $_t;; esac; _i=$((_i+1)); done',
    );
  }
  // Sub-second where `date` has %N: polls run on beats, so whole seconds would be read at the same
  // moment of their second every time and bias the clock offset (and so every progress time) by ~0.5 s.
  if (req.clock) lines.push('o C 0 "$(date +%s.%N)"');
  // Only readable regular files go on to `stat` (the positional parameters collect them).
  if (req.files.length > 0) {
    lines.push(
      `_i=0; for p in ${words(req.files)}; do t; o F $_i $_t; [ $_t = f ] && set -- "$@" "$p"; _i=$((_i+1)); done`,
    );
  }
  globs.forEach((pattern, i) => {
    const { dir, glob } = splitGlob(pattern);
    lines.push(
      `for p in ${shQuote(dir)}/${glob}; do [ -e "$p" ] || continue; t; o G ${i} "$_t $p"; [ $_t = f ] && set -- "$@" "$p"; done`,
    );
  });
  lines.push(SH_END);
  // `stat` comes last and replaces the script's shell (`exec`: no fork), so a probe starts `timeout`, its
  // `sh` (which becomes `stat`), and `ps` when patterns are watched: three processes at most.
  if (req.files.length > 0 || globs.length > 0) {
    lines.push(`if [ $# -gt 0 ]; then exec stat -L --printf ${STAT_FORMAT} -- "$@" 2>&3; fi`);
  }
  return `${lines.join('\n')}\n`;
}

/** Why an answer breaks the protocol: the whole answer is then refused. */
class Refused extends Error {}

/** The answer with nothing in it: what a probe that asked nothing (or whose answer was refused) holds. */
export function emptyProbeResult(req: Pick<ProbeRequest, 'globs'> = {}): ProbeResult {
  return {
    files: new Map(),
    globs: new Map((req.globs ?? []).map((p) => [p, [] as string[]])),
    pids: new Map(),
    patterns: new Map(),
    remoteNowSec: null,
    stray: [],
    error: null,
  };
}

/**
 * Reads a probe's answer (its bytes, and the nonce of its run). Every record must answer something the
 * request asked, once; an answer that breaks the format is refused whole (`error`), never half-believed.
 */
export function parseProbeOutput(req: ProbeRequest, out: Buffer, nonce: string): ProbeResult {
  const result = emptyProbeResult(req);
  const framed = readFrames(out, nonce);
  result.stray = framed.stray;
  if (framed.error) return { ...result, error: framed.error };
  try {
    bind(req, framed.records, framed.stats, result);
  } catch (e) {
    if (!(e instanceof Refused)) throw e;
    return { ...emptyProbeResult(req), stray: framed.stray, error: e.message };
  }
  return result;
}

/** The path text of a stat name as the probe passed it, by its bytes. */
const key = (bytes: Buffer) => bytes.toString('latin1');

function bind(req: ProbeRequest, records: Frame[], stats: StatLine[], result: ProbeResult): void {
  const seen = new Set<string>();
  const once = (f: Frame) => {
    const id = `${f.tag}${f.index}`;
    if (seen.has(id)) throw new Refused(`the answer repeats ${f.tag} ${f.index}`);
    seen.add(id);
  };
  const asked = <T>(list: readonly T[], f: Frame): T => {
    if (f.index >= list.length) throw new Refused(`the answer has ${f.tag} ${f.index}, which was not asked`);
    return list[f.index]!;
  };
  /** Paths handed to `stat`: their bytes → the path as the result names it. */
  const statted = new Map<string, string>();
  const typed = (path: string, letter: string, bytes: Buffer) => {
    if (letter === 'f') {
      statted.set(key(bytes), path);
      return;
    }
    const probe: FileProbe =
      letter === 'm'
        ? { kind: 'missing' }
        : letter === 'u'
          ? { kind: 'unreadable' }
          : FILE_TYPES[letter]
            ? { kind: 'not-regular', what: FILE_TYPES[letter]! }
            : refuse(`unknown file type "${letter}"`);
    result.files.set(path, probe);
  };
  for (const f of records) {
    const text = f.payload.toString('latin1');
    if (f.tag === 'F') {
      once(f);
      const path = asked(req.files, f);
      if (f.payload.length !== 1) refuse(`F ${f.index} holds "${text}"`);
      typed(path, text, Buffer.from(path, 'utf8'));
    } else if (f.tag === 'G') {
      const pattern = asked(req.globs ?? [], f);
      if (f.payload.length < 3 || f.payload[1] !== 0x20) refuse(`G ${f.index} is not "type name"`);
      const bytes = f.payload.subarray(2);
      const name = decodeName(bytes);
      result.globs.get(pattern)!.push(name.text);
      if (!name.valid) {
        result.files.set(name.text, {
          kind: 'error',
          message: 'its name is not valid UTF-8, so Vigil cannot ask for it by name',
        });
      } else typed(name.text, text[0]!, bytes);
    } else if (f.tag === 'P') {
      once(f);
      result.pids.set(asked(req.pidFiles, f), pidProbe(f.payload));
    } else if (f.tag === 'Q') {
      once(f);
      const code = text === '0' ? true : text === '1' ? false : text === '2' ? null : refuse(`Q ${text}`);
      result.patterns.set(asked(req.patterns, f), code);
    } else if (f.tag === 'C') {
      once(f);
      if (!req.clock || f.index !== 0) refuse('the answer has a clock that was not asked');
      result.remoteNowSec = clockSeconds(text);
    } else refuse(`the answer has a record "${f.tag}" that no request asks`);
  }
  for (const s of stats) {
    const path = statted.get(key(s.name));
    if (path === undefined) continue; // not one this probe asked about (stat only prints what it got)
    const letter = typeOfMode(s.mode);
    // Replaced by a pipe (or anything) between the test and stat: still never opened.
    result.files.set(
      path,
      letter === 'f'
        ? { kind: 'ok', stat: { inode: s.inode, size: s.size, mtimeSec: s.mtimeSec, allocated: s.allocated } }
        : { kind: 'not-regular', what: FILE_TYPES[letter]! },
    );
  }
  const unanswered = (path: string) => {
    const said = result.stray.find((l) => l.includes(path));
    // No record at all from stat, with noise: not GNU stat (BSD, macOS), or it failed to start.
    const noStat = stats.length === 0 && result.stray.length > 0;
    return said ?? (noStat ? `the remote stat failed: ${result.stray[0]}` : 'the remote stat gave no answer');
  };
  for (const path of [...req.files, ...statted.values()]) {
    if (!result.files.has(path)) result.files.set(path, { kind: 'error', message: unanswered(path) });
  }
}

function refuse(why: string): never {
  throw new Refused(why);
}

/** A pid-file answer as a P record says it (`run 123`, `none`…), or null when it is not one. */
export function readPidAnswer(payload: Buffer): PidProbe | null {
  try {
    return pidProbe(payload);
  } catch (e) {
    if (e instanceof Refused) return null;
    throw e;
  }
}

function pidProbe(payload: Buffer): PidProbe {
  const text = payload.toString('utf8');
  const m = /^(run|dead) (\d{1,12})$/.exec(text);
  if (m) return m[1] === 'run' ? { kind: 'running', pid: Number(m[2]) } : { kind: 'dead', pid: Number(m[2]) };
  if (text === 'none') return { kind: 'no-file' };
  if (text === 'u') return { kind: 'unreadable' };
  if (text.length === 1 && FILE_TYPES[text]) return { kind: 'not-regular', what: FILE_TYPES[text]! };
  if (text.startsWith('bad ')) {
    const content = printable(text.slice(4));
    return { kind: 'bad', content: content.length > 40 ? `${content.slice(0, 40)}…` : content };
  }
  return refuse(`a pid answer "${text.slice(0, 40)}"`);
}

/** GNU: "1764400000.123456789"; a `date` without %N prints "1764400000.N" or ".%N". */
function clockSeconds(text: string): number | null {
  const c = /^(\d{1,12})(?:\.(\d{1,9})|\.\S{0,3})?$/.exec(text);
  if (!c) return null;
  return c[2] ? Number(`${c[1]}.${c[2]}`) : Number(c[1]) + 0.5;
}
