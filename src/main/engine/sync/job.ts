// One sync rule, run for real: the ssh command and the rsync plan for the rule, the destination folder,
// the shared connection checked, then each pass in turn. The manager calls it through the RuleRunner port.

import { mkdir } from 'node:fs/promises';
import type { VigilConfig, WorkerConfig } from '../config';
import type { Clock } from '../ports';
import type { ResolvedHost } from '../ssh';
import { dropMaster, prepareControlPath } from './control-master';
import type { SyncFailure, SyncSeverity } from './exit-codes';
import type { Progress } from './progress';
import { planRsync, rsyncEnv } from './rsync-args';
import { type RsyncRunResult, runRsync } from './runner';
import { buildSshCommand, controlPathFor, rshString } from './ssh-command';

export interface RuleJob {
  config: VigilConfig;
  worker: WorkerConfig;
  ruleIndex: number;
  host: ResolvedHost;
  dataDir: string;
  clock: Clock;
  noProgressMs: number;
  /** Share one OpenSSH connection per host (ControlMaster). */
  controlMaster: boolean;
  /** The destination folder (already decided by the manager). */
  to: string;
  onProgress: (p: Progress) => void;
  signal: AbortSignal;
}

export interface RuleResult {
  ok: boolean;
  severity: SyncSeverity;
  failure: SyncFailure | null;
  message: string;
  /** Bytes received over the wire, all passes together. */
  bytes: number;
  durationMs: number;
}

export type RuleRunner = (job: RuleJob) => Promise<RuleResult>;

export interface RealRunnerDeps {
  run?: typeof runRsync;
  rsync?: string;
  ssh?: string;
}

export function createRuleRunner(deps: RealRunnerDeps = {}): RuleRunner {
  const run = deps.run ?? runRsync;
  return async (job) => {
    const started = job.clock.now();
    const hostCfg = job.config.hosts[job.worker.host] ?? {};
    let controlPath = job.controlMaster ? controlPathFor(job.dataDir, job.host, job.config.sshConfig) : null;
    const sshFor = (cp: string | null) =>
      buildSshCommand(job.host, hostCfg, {
        sshConfig: job.config.sshConfig,
        controlPath: cp,
        ...(deps.ssh ? { ssh: deps.ssh } : {}),
      });
    let ssh = sshFor(controlPath);
    if (controlPath) {
      // A stale socket is removed; a folder that is not safely ours means no sharing, not no sync.
      const usable = await prepareControlPath(controlPath, ssh).then(
        () => true,
        () => false,
      );
      if (!usable) {
        controlPath = null;
        ssh = sshFor(null);
      }
    }
    const rule = job.worker.sync[job.ruleIndex]!;
    let plan: ReturnType<typeof planRsync>;
    try {
      plan = planRsync({
        rule,
        worker: job.worker.name,
        to: job.to,
        workerDir: job.worker.dir,
        dataDir: job.dataDir,
        rsh: rshString(ssh.argv),
        target: ssh.target,
        timeoutSec: job.noProgressMs / 1000,
      });
      await mkdir(job.to, { recursive: true });
    } catch (err) {
      const e = err as NodeJS.ErrnoException;
      const local = typeof e.code === 'string';
      return {
        ok: false,
        severity: 'error',
        failure: local ? 'local-disk' : 'internal',
        message: local ? `local disk: cannot create ${job.to}: ${e.message}` : e.message,
        bytes: 0,
        durationMs: job.clock.now() - started,
      };
    }

    const results: RsyncRunResult[] = [];
    let bytesBefore = 0;
    for (const pass of plan.passes) {
      const r = await run({
        args: pass.args,
        ...(deps.rsync ? { rsync: deps.rsync } : {}),
        env: rsyncEnv(process.env),
        clock: job.clock,
        noProgressMs: job.noProgressMs,
        // Bytes add up across passes; percent, rate and ETA are the current pass's.
        onProgress: (p) => job.onProgress({ ...p, bytes: bytesBefore + p.bytes }),
        signal: job.signal,
        to: plan.to,
        host: job.worker.host,
      });
      results.push(r);
      bytesBefore += r.progress?.bytes ?? 0;
      if (!r.ok) break;
    }
    const failed = results.find((r) => !r.ok);
    if (controlPath && failed && (failed.failure === 'unreachable' || failed.watchdogFired)) {
      // A master whose connection hangs would hang the next sync too: start afresh next time.
      await dropMaster(controlPath, ssh).catch(() => undefined);
    }
    const warning = results.find((r) => r.severity === 'warning');
    const worst = failed ?? warning;
    return {
      ok: !failed,
      severity: failed ? 'error' : warning ? 'warning' : 'ok',
      failure: worst?.failure ?? null,
      message: worst?.message ?? 'ok',
      bytes: results.reduce((n, r) => n + r.bytes, 0),
      durationMs: job.clock.now() - started,
    };
  };
}

/** Ends the shared connection of a host, if one is open (on shutdown). */
export async function closeControlMaster(
  config: VigilConfig,
  hostName: string,
  host: ResolvedHost,
  dataDir: string,
): Promise<void> {
  const controlPath = controlPathFor(dataDir, host, config.sshConfig);
  const ssh = buildSshCommand(host, config.hosts[hostName] ?? {}, {
    sshConfig: config.sshConfig,
    controlPath,
  });
  await dropMaster(controlPath, ssh).catch(() => undefined);
}
