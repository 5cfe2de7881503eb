// The terminal under `vigil status --watch`: the alternate screen (the user's scrollback is left as it
// was), the cursor hidden, each frame drawn from the top-left over the previous one (cursor home, each
// line cleared to its end, the rest of the screen cleared) so nothing flickers and nothing scrolls; keys
// read raw so q or Ctrl-C quit. Whatever ends the process, the terminal is given back as it was.

export interface Screen {
  size(): { width: number; height: number };
  /** Draws a frame; an identical frame is not written again. */
  draw(lines: string[]): void;
  /** Called when the window changes size. */
  onResize(fn: () => void): void;
  /** Called when q, Q or Ctrl-C is pressed. */
  onQuit(fn: () => void): void;
  /** Leaves the alternate screen, shows the cursor, gives the keyboard back. Idempotent. */
  restore(): void;
}

const ENTER = '\x1b[?1049h\x1b[?25l'; // alternate screen, cursor hidden
const LEAVE = '\x1b[?25h\x1b[?1049l';
const HOME = '\x1b[H';
const CLEAR_LINE = '\x1b[K';
const CLEAR_BELOW = '\x1b[J';

/** The bytes of one frame: written over the last one in place. */
export function frameBytes(lines: string[]): string {
  return `${HOME}${lines.map((l) => `${l}${CLEAR_LINE}`).join('\n')}${CLEAR_BELOW}`;
}

export function openScreen(stdout: NodeJS.WriteStream, stdin: NodeJS.ReadStream): Screen {
  let last = '';
  let restored = false;
  const quitters: (() => void)[] = [];
  const resizers: (() => void)[] = [];
  const onKey = (chunk: Buffer | string) => {
    const s = chunk.toString();
    if (s === 'q' || s === 'Q' || s.includes('\x03')) for (const fn of quitters) fn();
  };
  const raw = stdin.isTTY === true;
  if (raw) {
    stdin.setRawMode(true);
    stdin.on('data', onKey);
    stdin.resume();
  }
  const restore = () => {
    if (restored) return;
    restored = true;
    stdout.write(LEAVE);
    if (raw) {
      stdin.off('data', onKey);
      stdin.setRawMode(false);
      stdin.pause();
    }
    for (const fn of resizers) stdout.off('resize', fn);
    process.off('exit', restore);
  };
  // A crash or process.exit() must not leave the terminal without a cursor, on the alternate screen.
  process.on('exit', restore);
  stdout.write(ENTER);
  return {
    size: () => ({ width: stdout.columns || 80, height: stdout.rows || 24 }),
    draw(lines) {
      const bytes = frameBytes(lines);
      if (bytes === last || restored) return;
      last = bytes;
      stdout.write(bytes);
    },
    onResize(fn) {
      const on = () => {
        last = ''; // the terminal may have reflowed what was there: draw all of it again
        fn();
      };
      resizers.push(on);
      stdout.on('resize', on);
    },
    onQuit(fn) {
      quitters.push(fn);
    },
    restore,
  };
}
