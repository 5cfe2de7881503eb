// The wire format of what a remote script reports (the probe now; host vitals and a streaming follow
// mode next), and its reader. Remote file names are chosen by whatever writes the files, so nothing a
// name, a path or a file's content holds may ever read as a line of the protocol:
//
//   [noise]  B 0 16:<nonce>\n  {TAG INDEX LEN:PAYLOAD\n}*  E 0 16:<nonce>\n  {[noise] <nonce> STAT-FIELDS NAME\0}*  [noise]
//
// - Section 1 is written by the shell's `o TAG INDEX PAYLOAD`: every payload is length-prefixed (bytes:
//   the script sets LC_ALL=C so `${#x}` counts bytes), so a newline or a forged "C 1" inside a name is
//   payload, never a record. The reader walks it strictly, record by record; any step off the format
//   rejects the whole answer.
// - The nonce is random per run and passed in the environment, not the script (which is cached): a file
//   name cannot contain the end mark it would need to close a forged section, and noise before the start
//   mark (a login message, a shell warning) is set aside.
// - Section 2 is GNU stat's own `--printf`: each record starts with the nonce and ends with NUL, which no
//   file name can hold; stat's error messages (stderr) fall between records and are kept as noise.
// - What a record answers is bound by its tag and index to the request that asked (see probe.ts):
//   anything not asked for is refused there.

/** The environment variable that carries the nonce of one run. */
export const NONCE_VAR = 'VIGIL_NONCE';

const NONCE = /^[0-9a-f]{16}$/;

/**
 * The start of every script that writes frames: its own stderr goes nowhere (fd 3 keeps the real one
 * for the final `stat`), so only `o` writes to the stream, and records are flushed 64 at a time (one
 * write, often one SSH packet, per flush; appending to one string for ever would be quadratic in sh).
 */
export const SH_PRELUDE = [
  'exec 3>&2 2>/dev/null',
  'set --; _vo=; _vc=0',
  // biome-ignore lint/suspicious/noTemplateCurlyInString: shell text, `${#3}` is the byte length of $3
  'o() { _vo="$_vo$1 $2 ${#3}:$3',
  '"; _vc=$((_vc+1)); if [ $_vc -ge 64 ]; then printf %s "$_vo"; _vo=; _vc=0; fi; }',
  `o B 0 "$${NONCE_VAR}"`,
].join('\n');

/** From here on `${#x}` counts bytes (bash and zsh count characters in a UTF-8 locale). */
export const SH_BYTES = 'LC_ALL=C; export LC_ALL';

/** The end of section 1: the end mark, then everything still held. */
export const SH_END = `o E 0 "$${NONCE_VAR}"; printf %s "$_vo"`;

/**
 * GNU stat's format for section 2: nonce, inode, size, mtime (s), raw mode (hex), blocks and their size
 * (the bytes on disk), name, NUL.
 */
export const STAT_FORMAT = `"$${NONCE_VAR} %i %s %Y %f %b %B %n\\0"`;

export interface Frame {
  tag: string;
  index: number;
  payload: Buffer;
}

export interface StatLine {
  inode: number;
  size: number;
  mtimeSec: number;
  /** st_mode as a number (the file type is in the top bits). */
  mode: number;
  /** Bytes on disk. */
  allocated: number;
  /** The name exactly as stat printed it (the bytes given to it). */
  name: Buffer;
}

export interface Framed {
  records: Frame[];
  stats: StatLine[];
  /** Text outside the frames (stat's errors, shell noise), decoded, a line each, shortened. */
  stray: string[];
  /** Why the answer cannot be trusted at all (then records and stats are empty). */
  error: string | null;
}

const MAX_STRAY_LINES = 20;
const MAX_STRAY_CHARS = 300;
const HEADER = /^([A-Z]) (\d{1,9}) (\d{1,10}):/;
const STAT_FIELDS = /^(\d{1,20}) (\d{1,20}) (-?\d{1,20}) ([0-9a-f]{1,8}) (\d{1,20}) (\d{1,10}) /;

export function newNonce(random: (n: number) => Buffer): string {
  return random(8).toString('hex');
}

/** Reads a whole answer (bytes as received). Never throws: what cannot be read is `error` or `stray`. */
export function readFrames(out: Buffer, nonce: string): Framed {
  const { framed, rest } = readSection1(out, nonce);
  if (rest !== null) readStats(rest, nonce, framed);
  return framed;
}

/**
 * Section 1 alone, and the bytes after its end mark (null when the answer is refused), for a script
 * whose section 2 is not `stat`'s file records (host vitals: `stat -f`).
 */
export function readSection1(out: Buffer, nonce: string): { framed: Framed; rest: Buffer | null } {
  const framed: Framed = { records: [], stats: [], stray: [], error: null };
  if (!NONCE.test(nonce)) return { framed: { ...framed, error: 'bad nonce' }, rest: null };
  const startMark = `B 0 ${nonce.length}:${nonce}\n`;
  const start = out.indexOf(startMark, 0, 'latin1');
  if (start < 0) {
    addStray(framed.stray, out);
    const error = 'the answer has no start mark (the script did not run, or was cut off)';
    return { framed: { ...framed, error }, rest: null };
  }
  addStray(framed.stray, out.subarray(0, start));
  let pos = start + startMark.length;
  let ended = false;
  while (pos < out.length) {
    const head = HEADER.exec(out.toString('latin1', pos, Math.min(out.length, pos + 24)));
    if (!head) return refused(framed, `the answer is garbled at byte ${pos}`);
    const len = Number(head[3]);
    const from = pos + head[0].length;
    const to = from + len;
    if (to >= out.length) return refused(framed, 'the answer was cut off inside a record');
    if (out[to] !== 0x0a) return refused(framed, `a record at byte ${pos} is not the length it says`);
    const frame: Frame = { tag: head[1]!, index: Number(head[2]), payload: out.subarray(from, to) };
    pos = to + 1;
    if (frame.tag === 'E') {
      if (frame.payload.toString('latin1') !== nonce)
        return refused(framed, 'the end mark is not this run’s');
      ended = true;
      break;
    }
    if (frame.tag === 'B') return refused(framed, 'a second start mark');
    framed.records.push(frame);
  }
  if (!ended) return refused(framed, 'the answer was cut off before its end mark');
  return { framed, rest: out.subarray(pos) };
}

function refused(framed: Framed, why: string): { framed: Framed; rest: null } {
  return { framed: fail(framed, why), rest: null };
}

function fail(framed: Framed, why: string): Framed {
  return { records: [], stats: [], stray: framed.stray, error: why };
}

/** Section 2: NUL-terminated stat records, each opening with the nonce; anything else is noise. */
function readStats(rest: Buffer, nonce: string, framed: Framed): void {
  for (const body of readNulRecords(rest, nonce, framed.stray)) {
    const f = STAT_FIELDS.exec(body.toString('latin1', 0, Math.min(body.length, 128)));
    if (!f) {
      addStray(framed.stray, Buffer.concat([Buffer.from(`${nonce} `, 'latin1'), body]));
      continue;
    }
    framed.stats.push({
      inode: Number(f[1]),
      size: Number(f[2]),
      mtimeSec: Number(f[3]),
      mode: Number.parseInt(f[4]!, 16),
      allocated: Number(f[5]) * Number(f[6]),
      name: body.subarray(f[0].length),
    });
  }
}

/**
 * The bodies (after "<nonce> ") of section 2's NUL-terminated records, as GNU stat's `--printf` writes
 * them; text between records (stat's errors) goes to `stray`.
 */
export function readNulRecords(rest: Buffer, nonce: string, stray: string[]): Buffer[] {
  const mark = Buffer.from(`${nonce} `, 'latin1');
  const bodies: Buffer[] = [];
  let pos = 0;
  for (let nul = rest.indexOf(0, pos); nul >= 0; nul = rest.indexOf(0, pos)) {
    const piece = rest.subarray(pos, nul);
    pos = nul + 1;
    // The record's own start: at the piece's start, or after the newline ending stat's last error.
    let at = piece.indexOf(mark);
    while (at > 0 && piece[at - 1] !== 0x0a) at = piece.indexOf(mark, at + 1);
    if (at < 0) {
      addStray(stray, piece);
      continue;
    }
    addStray(stray, piece.subarray(0, at));
    bodies.push(piece.subarray(at + mark.length));
  }
  addStray(stray, rest.subarray(pos));
  return bodies;
}

function addStray(stray: string[], bytes: Buffer): void {
  if (bytes.length === 0 || stray.length >= MAX_STRAY_LINES) return;
  const text = bytes.subarray(0, 64 * 1024).toString('utf8');
  for (const raw of text.split('\n')) {
    const line = printable(raw).trim();
    if (line === '') continue;
    if (stray.length >= MAX_STRAY_LINES) return;
    stray.push(line.length > MAX_STRAY_CHARS ? `${line.slice(0, MAX_STRAY_CHARS)}…` : line);
  }
}

/** Control characters shown as escapes, so a stray line cannot redraw a terminal or fake a line. */
export function printable(s: string): string {
  return s.replace(
    /[\u0000-\u001f\u007f-\u009f]/g,
    (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`,
  );
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/** A remote name's bytes as text; `valid` false (and U+FFFD in the text) when they are not UTF-8. */
export function decodeName(bytes: Buffer): { text: string; valid: boolean } {
  try {
    return { text: strictUtf8.decode(bytes), valid: true };
  } catch {
    return { text: bytes.toString('utf8'), valid: false };
  }
}

/** What a file type letter of the probe (`t` in probe.ts) or a stat mode says a path is. */
export const FILE_TYPES: Record<string, string> = {
  p: 'a named pipe',
  d: 'a folder',
  s: 'a socket',
  c: 'a character device',
  b: 'a block device',
  o: 'not a regular file',
};

/** The type letter of a stat mode (`f`: a regular file). */
export function typeOfMode(mode: number): string {
  switch (mode & 0xf000) {
    case 0x8000:
      return 'f';
    case 0x1000:
      return 'p';
    case 0x4000:
      return 'd';
    case 0xc000:
      return 's';
    case 0x2000:
      return 'c';
    case 0x6000:
      return 'b';
    default:
      return 'o';
  }
}
