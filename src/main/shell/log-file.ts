// The app's log: one line per event in the platform's log folder, rotated by size (vigil.log, then
// vigil.1.log … vigil.<keep>.log, oldest dropped), so a machine left running for months keeps a
// bounded, recent history. Writes are synchronous and rare (warnings, crashes, sync failures); a log
// that cannot be written never takes the app down.

import { appendFileSync, mkdirSync, renameSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import type { Clock } from '../../shared/clock';

export type LogLevel = 'info' | 'warn' | 'error';

export interface Log {
  /** The current file (what "Open logs" shows the folder of). */
  readonly file: string;
  readonly dir: string;
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

export interface LogFileOptions {
  dir: string;
  clock: Clock;
  /** Rotate when the file passes this size (default 1 MiB). */
  maxBytes?: number;
  /** Rotated files kept besides the current one (default 3). */
  keep?: number;
}

const MAX_LINE = 4_000;

export function createLogFile(o: LogFileOptions): Log {
  const file = path.join(o.dir, 'vigil.log');
  const maxBytes = o.maxBytes ?? 1 << 20;
  const keep = o.keep ?? 3;
  const rotated = (n: number) => path.join(o.dir, `vigil.${n}.log`);
  let size: number | null = null;

  const rotate = () => {
    rmSync(rotated(keep), { force: true });
    for (let n = keep - 1; n >= 1; n--) {
      try {
        renameSync(rotated(n), rotated(n + 1));
      } catch {
        // that one did not exist yet
      }
    }
    renameSync(file, rotated(1));
    size = 0;
  };

  const write = (level: LogLevel, message: string) => {
    // One event, one line: a multi-line message (a stack) is folded, and a huge one cut.
    const text = message.replace(/\r?\n/g, ' ⏎ ').slice(0, MAX_LINE);
    const line = `${new Date(o.clock.now()).toISOString()} ${level.padEnd(5)} ${text}\n`;
    try {
      if (size === null) {
        mkdirSync(o.dir, { recursive: true });
        try {
          size = statSync(file).size;
        } catch {
          size = 0;
        }
      }
      if (size > 0 && size + Buffer.byteLength(line) > maxBytes) rotate();
      appendFileSync(file, line);
      size += Buffer.byteLength(line);
    } catch {
      // A full or read-only disk: logging is best effort.
      size = null;
    }
  };

  return {
    file,
    dir: o.dir,
    info: (m) => write('info', m),
    warn: (m) => write('warn', m),
    error: (m) => write('error', m),
  };
}
