// A worker's log: its tail (what the detail shows) and its fatal lines (what health reads). Usually its
// own file; when it is the metrics file itself (a text log read for its metrics, named as the log or with
// no log named), it is fed from the metrics file's bytes: one read, one mirror (two followers of one
// file would write one mirror twice).

import path from 'node:path';
import type { WorkerConfig } from '../config';
import { type LogTee, mirrorRelativePath, mirrorSource, TrackedFile } from '../files';
import { createLogScanner, type LogScanner } from '../parse';
import { isGlob } from '../remote';

const LOG_TAIL_LINES = 200;

export interface WorkerLog {
  scanner: LogScanner | null;
  /** The log's own follower, or null when there is none (no log, or the metrics file is the log). */
  file: TrackedFile | null;
  /** For the metrics source: its bytes are (or, once it reads as text, may be) the log's. */
  tee: LogTee | null;
}

export function workerLog(cfg: WorkerConfig, mirrorDir: string): WorkerLog {
  const metrics = path.posix.normalize(mirrorSource(cfg.dir, cfg.metrics.path));
  const sameAsMetrics =
    cfg.log !== undefined && path.posix.normalize(mirrorSource(cfg.dir, cfg.log)) === metrics;
  if (!cfg.log && isGlob(path.posix.basename(cfg.metrics.path)))
    return { scanner: null, file: null, tee: null };
  const scanner = createLogScanner({ tailLines: LOG_TAIL_LINES });
  const feed = { bytes: (c: Uint8Array) => scanner.push(c), reset: () => scanner.reset() };
  if (!cfg.log || sameAsMetrics) return { scanner, file: null, tee: { ...feed, always: sameAsMetrics } };
  const mirror = path.join(mirrorDir, mirrorRelativePath(cfg.dir, mirrorSource(cfg.dir, cfg.log)));
  return { scanner, file: new TrackedFile(mirror, feed), tee: null };
}
