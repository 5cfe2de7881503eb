// `vigil sync WORKER`: runs that worker's sync rules now, with a live progress line and a summary per
// rule. Exit codes: 0 every rule succeeded (warnings are printed), 1 a rule failed, 2 bad config or an
// unknown worker.

import { formatBytes, formatDuration } from '../../shared/human';
import type { VigilConfig } from '../engine/config';
import { loadConfig } from '../engine/config';
import { defaultDataDir } from '../engine/files';
import { loadSyncHistory, mergeSyncHistory, SyncManager, type SyncManagerOptions } from '../engine/sync';

type Print = (s: string) => void;

export interface SyncCliOptions {
  configPath: string;
  worker: string;
  /** Rewrite the progress line in place with "\r" (default: stdout is a TTY). */
  tty?: boolean;
  /** Raw writer for the in-place line (default process.stdout.write). */
  write?: (s: string) => void;
  /** Vigil's data folder (default: the usual one, or VIGIL_DATA). */
  dataDir?: string;
  /** For tests: extra manager options (watchdog bound, ports). */
  manager?: Partial<SyncManagerOptions>;
}

/** Plain-line progress at most this often (a log file should not get a line per rsync update). */
const LINE_EVERY_MS = 1_000;

export async function runSync(opts: SyncCliOptions, out: Print, err: Print): Promise<number> {
  let config: VigilConfig;
  try {
    config = loadConfig(opts.configPath);
  } catch (e) {
    err((e as Error).message);
    return 2;
  }
  const worker = config.workers.find((w) => w.name === opts.worker);
  if (!worker) {
    const names = config.workers.map((w) => w.name).join(', ') || 'none';
    err(`vigil sync: unknown worker "${opts.worker}" in ${config.file} (workers: ${names})`);
    return 2;
  }
  if (worker.sync.length === 0) {
    err(
      `vigil sync: worker "${worker.name}" has no sync rules in ${config.file}; add one, e.g.\n` +
        '    sync:\n      - { from: results/, every: 10m }',
    );
    return 2;
  }

  const tty = opts.tty ?? process.stdout.isTTY === true;
  const write = opts.write ?? ((s: string) => void process.stdout.write(s));
  const dataDir = opts.dataDir ?? defaultDataDir();
  const manager = new SyncManager({ config, dataDir, ...opts.manager });
  const restored = await loadSyncHistory(dataDir);
  const before = Object.fromEntries(Object.entries(restored).map(([k, v]) => [k, JSON.stringify(v)]));
  manager.restoreHistory(restored);
  let lineOpen = false;
  let lastLineAt = 0;
  const clearLine = () => {
    if (lineOpen) write('\r\x1b[2K');
    lineOpen = false;
  };
  manager.onProgress((p) => {
    if (p.phase !== undefined) return; // queued / started / ended: the summary below says how it went
    const eta = p.eta === null ? '' : `, ${formatDuration(p.eta * 1000)} left`;
    const text = `${p.rule}: ${formatBytes(p.bytes)}  ${p.percent}%  ${formatBytes(p.rate)}/s${eta}`;
    if (tty) {
      write(`\r\x1b[2K${text}`);
      lineOpen = true;
    } else if (Date.now() - lastLineAt >= LINE_EVERY_MS) {
      lastLineAt = Date.now();
      out(text);
    }
  });

  // rsync runs in its own process group (so the watchdog can end it with its ssh): Ctrl-C on the
  // terminal does not reach it, so pass it on.
  const onSignal = () => void manager.stop();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    out(
      `syncing ${worker.name} (${worker.sync.length} rule${worker.sync.length === 1 ? '' : 's'}) from ${worker.host}`,
    );
    const results = await manager.trigger(worker.name, 'manual');
    clearLine();
    // `vigil status` and the app show when each rule last ran.
    // Only what this run changed: the app may have saved newer entries meanwhile.
    const changed = Object.fromEntries(
      Object.entries(manager.history()).filter(([k, v]) => JSON.stringify(v) !== before[k]),
    );
    await mergeSyncHistory(dataDir, changed).catch((e: Error) =>
      err(`vigil sync: could not save the sync history: ${e.message}`),
    );
    let failed = 0;
    results.forEach(({ to, result }, i) => {
      const from = worker.sync[i]?.from ?? '?';
      const took = `${formatBytes(result.bytes)} in ${(result.durationMs / 1000).toFixed(1)} s`;
      if (result.severity === 'ok') out(`✓ ${from} → ${to}: ${took}`);
      else if (result.severity === 'warning') out(`! ${from} → ${to}: ${took}; warning: ${result.message}`);
      else {
        failed++;
        out(`✗ ${from} → ${to}: ${result.message}`);
      }
    });
    if (failed > 0)
      err(`vigil sync: ${failed} of ${results.length} rule${results.length === 1 ? '' : 's'} failed`);
    return failed > 0 ? 1 : 0;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await manager.stop();
  }
}
