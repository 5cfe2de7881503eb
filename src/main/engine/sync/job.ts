// One sync rule, run for real: the local ssh and rsync found (and which rsync it is), the ssh command
// and the rsync plan for the rule and that rsync, the destination folder, the shared connection
// checked, then each pass in turn. The manager calls it through the RuleRunner port.

import { mkdir } from 'node:fs/promises';
import { locateTool, type VigilConfig, type WorkerConfig } from '../config';
import type { Clock } from '../ports';
import type { ResolvedHost } from '../ssh';
import { dropMaster, prepareControlPath } from './control-master';
import type { SyncFailure, SyncSeverity } from './exit-codes';
import type { Progress, ProgressMode } from './progress';
import { rshFor } from './rsh-wrapper';
import { planRsync, rsyncEnv } from './rsync-args';
import { type RsyncRunResult, runRsync } from './runner';
import { buildSshCommand, controlPathFor } from './ssh-command';
import { cachedSyncTools, type SyncTools } from './sync-tools';

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
  /** The local ssh and rsync and what that rsync can do (default: found on this computer, once). */
  tools?: (configuredRsync: string | undefined) => Promise<SyncTools>;
  /** Where the -e script goes for an rsync that cannot quote (default /tmp/vigil-<uid>). */
  wrapperDir?: string;
}

function failure(job: RuleJob, started: number, failure: SyncFailure, message: string): RuleResult {
  return { ok: false, severity: 'error', failure, message, bytes: 0, durationMs: job.clock.now() - started };
}

export function progressModeOf(tools: Pick<SyncTools, 'caps' | 'flavour'>): ProgressMode {
  if (tools.caps.infoProgress2) return 'total';
  return tools.flavour.kind === 'openrsync' ? 'per-file-indexed' : 'per-file';
}

export function createRuleRunner(deps: RealRunnerDeps = {}): RuleRunner {
  const run = deps.run ?? runRsync;
  const findTools = deps.tools ?? cachedSyncTools;
  return async (job) => {
    const started = job.clock.now();
    let tools: SyncTools;
    try {
      tools = await findTools(job.config.rsync);
    } catch (e) {
      return failure(job, started, 'internal', (e as Error).message);
    }
    const hostCfg = job.config.hosts[job.worker.host] ?? {};
    let controlPath = job.controlMaster ? controlPathFor(job.dataDir, job.host, job.config.sshConfig) : null;
    const sshFor = (cp: string | null) =>
      buildSshCommand(job.host, hostCfg, {
        sshConfig: job.config.sshConfig,
        controlPath: cp,
        ssh: tools.ssh,
      });
    let ssh = sshFor(controlPath);
    if (controlPath) {
      // A stale socket is removed; a folder that is not safely ours means no sharing, not no sync.
      const usable = await prepareControlPath(controlPath, ssh, undefined, job.dataDir).then(
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
        rsh: await rshFor(ssh.argv, tools.caps, deps.wrapperDir),
        target: ssh.target,
        timeoutSec: job.noProgressMs / 1000,
        caps: tools.caps,
      });
    } catch (err) {
      return failure(job, started, 'internal', (err as Error).message);
    }
    try {
      await mkdir(job.to, { recursive: true });
    } catch (err) {
      return failure(
        job,
        started,
        'local-disk',
        `local disk: cannot create ${job.to}: ${(err as Error).message}`,
      );
    }

    const results: RsyncRunResult[] = [];
    let bytesBefore = 0;
    for (const pass of plan.passes) {
      const r = await run({
        args: pass.args,
        rsync: tools.rsync,
        progressMode: progressModeOf(tools),
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
    ssh: locateTool('ssh') ?? 'ssh',
  });
  await dropMaster(controlPath, ssh).catch(() => undefined);
}
