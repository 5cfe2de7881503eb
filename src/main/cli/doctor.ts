// `vigil doctor`: the pre-flight check. Every step from the config to files, processes and rsync,
// each with ✓ or ✗ and, when it fails, the fix. Later steps that depend on a failed one are skipped.

import { promises as dns } from 'node:dns';
import net from 'node:net';
import path from 'node:path';
import { formatAge } from '../../shared/human';
import type { VigilConfig, WorkerConfig } from '../engine/config';
import { loadConfig, resolveHost } from '../engine/config';
import { defaultDataDir, nearestPath, nearestPathScript } from '../engine/files';
import { inspectBytes } from '../engine/parse';
import {
  buildProbeScript,
  type FileProbe,
  notRegularMessage,
  type ProbeRequest,
  runProbe,
} from '../engine/remote';
import {
  type ConnectStep,
  createSsh2Connector,
  remotePath,
  SshError,
  type SshSession,
  shQuote,
} from '../engine/ssh';
import { checkFollow } from './doctor-follow';
import { checkHostHealth } from './doctor-host';
import { checkLocalTools } from './doctor-tools';
import { ensureWritable } from './writable';

type Print = (s: string) => void;

const OK = '✓';
const WARN = '⚠';
const BAD = '✗';
const SKIP = '·';
const READ_LIMIT = 32 << 20;

class Report {
  failures = 0;
  warnings = 0;
  constructor(private readonly print: Print) {}
  section(title: string): void {
    this.print(title);
  }
  ok(step: string, detail: string): void {
    this.print(`  ${OK} ${step}: ${detail}`);
  }
  bad(step: string, detail: string, fix?: string): void {
    this.failures++;
    this.print(`  ${BAD} ${step}: ${detail}`);
    if (fix) this.print(`      fix: ${fix}`);
  }
  warn(step: string, detail: string, fix: string, notes: string[] = []): void {
    this.warnings++;
    this.print(`  ${WARN} ${step}: ${detail}`);
    this.print(`      fix: ${fix}`);
    for (const n of notes) this.print(`      - ${n}`);
  }
  skip(step: string, why: string): void {
    this.print(`  ${SKIP} ${step}: skipped (${why})`);
  }
}

const STEP_NAMES: Record<ConnectStep, string> = {
  resolve: 'name resolution',
  tcp: 'TCP connection',
  handshake: 'SSH handshake',
  'host-key': 'host key',
  auth: 'authentication',
  shell: 'remote shell',
};

function tcpCheck(host: string, port: number, timeoutMs: number): Promise<string | null> {
  return new Promise((resolve) => {
    const sock = net.connect({ host, port });
    const done = (err: string | null) => {
      sock.destroy();
      resolve(err);
    };
    sock.setTimeout(timeoutMs, () => done(`no answer within ${timeoutMs / 1000} s`));
    sock.once('connect', () => done(null));
    sock.once('error', (e) => done(e.message));
  });
}

export async function runDoctor(
  opts: { configPath: string; worker?: string },
  print: Print,
): Promise<number> {
  const r = new Report(print);
  r.section(`Config ${path.resolve(opts.configPath)}`);
  const config: VigilConfig = loadConfig(opts.configPath); // a bad config throws: exit 2 with the message
  const workers = opts.worker ? config.workers.filter((w) => w.name === opts.worker) : config.workers;
  if (opts.worker && workers.length === 0) {
    r.bad(
      'worker',
      `no worker named "${opts.worker}"`,
      `one of: ${config.workers.map((w) => w.name).join(', ')}`,
    );
    return 2;
  }
  const hostNames = [...new Set(workers.map((w) => w.host))];
  r.ok('config', `${workers.length} worker(s) on ${hostNames.length} host(s)`);

  for (const hostName of hostNames)
    await checkHost(
      r,
      config,
      hostName,
      workers.filter((w) => w.host === hostName),
    );

  r.section('This computer');
  await checkLocalTools(r, config);
  const dataDir = defaultDataDir();
  const writable = await ensureWritable(dataDir);
  if (writable === null) r.ok('data folder', `${dataDir} is writable`);
  else r.bad('data folder', writable, 'fix its permissions, free space, or set VIGIL_DATA to another folder');
  print('');
  print(r.failures === 0 ? 'All checks passed.' : `${r.failures} check(s) failed: see the fixes above.`);
  if (r.warnings > 0)
    print(`${r.warnings} check(s) passed with a warning (⚠): see the fixes and notes above.`);
  return r.failures === 0 ? 0 : 1;
}

async function checkHost(
  r: Report,
  config: VigilConfig,
  hostName: string,
  workers: WorkerConfig[],
): Promise<void> {
  r.section(`Host ${hostName}`);
  let resolved: Awaited<ReturnType<typeof resolveHost>>;
  try {
    resolved = await resolveHost(config, hostName);
  } catch (e) {
    r.bad('ssh config', (e as Error).message);
    return;
  }
  r.ok(
    'ssh config',
    `${resolved.user}@${resolved.hostname}:${resolved.port}${resolved.proxyJump.length ? ` via ${resolved.proxyJump.map((j) => j.name).join(', ')}` : ''}`,
  );

  if (resolved.proxyJump.length === 0) {
    try {
      const addrs = await dns.lookup(resolved.hostname, { all: true });
      r.ok('name resolution', `${resolved.hostname} → ${addrs.map((a) => a.address).join(', ')}`);
    } catch (e) {
      r.bad(
        'name resolution',
        `${resolved.hostname}: ${(e as Error).message}`,
        'check HostName in ~/.ssh/config or hostname in the Vigil config',
      );
      return;
    }
    const tcp = await tcpCheck(resolved.hostname, resolved.port, resolved.connectTimeoutMs);
    if (tcp === null) r.ok('TCP connection', `${resolved.hostname}:${resolved.port} accepts connections`);
    else {
      r.bad(
        'TCP connection',
        `${resolved.hostname}:${resolved.port}: ${tcp}`,
        'check the host is up, the port, and any firewall or security group',
      );
      return;
    }
  }

  let session: SshSession;
  const passed = new Set<ConnectStep>();
  try {
    session = await createSsh2Connector().connect(resolved, {
      onStep: (step, ok, detail) => {
        if (step === 'resolve' || step === 'tcp') return; // checked above, by hand
        if (ok) {
          passed.add(step);
          r.ok(STEP_NAMES[step], detail);
        }
      },
    });
  } catch (e) {
    const err = e instanceof SshError ? e : new SshError('tcp', (e as Error).message);
    const step: string =
      err.kind === 'host-key-unknown' || err.kind === 'host-key-mismatch'
        ? 'host key'
        : err.kind === 'auth' || err.kind === 'key'
          ? 'authentication'
          : err.kind === 'timeout'
            ? 'SSH handshake'
            : STEP_NAMES.handshake;
    r.bad(step, err.message, err.fix);
    return;
  }
  try {
    const rsync = await session.run('command -v rsync || echo "missing"', { timeoutMs: 15_000 });
    const where = rsync.stdout.trim();
    if (where && where !== 'missing') r.ok('rsync on the host', where);
    else
      r.bad(
        'rsync on the host',
        'not installed',
        `install it on ${hostName} (sudo apt install rsync) so results can be mirrored`,
      );
    const tools = await session.run(
      'for t in stat timeout nice; do command -v $t >/dev/null || echo "$t"; done',
      { timeoutMs: 15_000 },
    );
    const missing = tools.stdout.trim().split(/\s+/).filter(Boolean);
    if (missing.length === 0) r.ok('remote tools', 'stat, timeout and nice are there');
    else r.bad('remote tools', `missing: ${missing.join(', ')}`, 'install coreutils on the host');
    await checkHostHealth(r, session, workers);
    await checkFollow(r, session, config.hosts[hostName]?.follow !== false, config.pollMs);
    for (const w of workers) await checkWorker(r, session, w);
  } finally {
    session.close();
  }
}

function describeMissing(probe: FileProbe, p: string): string {
  if (probe.kind === 'missing') return `${p} does not exist`;
  if (probe.kind === 'unreadable') return `${p} is not readable`;
  if (probe.kind === 'not-regular') return notRegularMessage(p, probe.what);
  if (probe.kind === 'error') return `${p} cannot be checked: ${probe.message}`;
  return `${p} cannot be checked`;
}

async function checkWorker(r: Report, session: SshSession, w: WorkerConfig): Promise<void> {
  r.section(`Worker ${w.name}`);
  const dir = remotePath(w.dir, session.home);
  const at = (p: string) => remotePath(p, session.home, dir);
  const metrics = at(w.metrics.path);
  const log = w.log ? at(w.log) : null;
  const pidFile = w.process && 'pidFile' in w.process ? at(w.process.pidFile) : null;
  const pattern = w.process && 'match' in w.process ? w.process.match : null;
  /** " — did you mean …?" when a path near the missing one exists. */
  const near = async (missing: string): Promise<string> => {
    const out = await session.run(nearestPathScript(missing)).then(
      (x) => x.stdout,
      () => '',
    );
    const found = nearestPath(missing, out);
    return found === null ? '' : ` — did you mean ${found}?`;
  };
  const dirCheck = await session.run(`[ -d ${shQuote(dir)} ] && echo yes || echo no`);
  if (dirCheck.stdout.trim() === 'yes') r.ok('directory', dir);
  else
    r.bad(
      'directory',
      `${dir} does not exist on the host${await near(dir)}`,
      'check `dir` in the config (it is on the remote machine)',
    );

  const req: ProbeRequest = {
    files: log ? [metrics, log] : [metrics],
    pidFiles: pidFile ? [pidFile] : [],
    patterns: pattern ? [pattern] : [],
    clock: true,
  };
  const probe = await runProbe(session, req, buildProbeScript(req));
  if (probe.error !== null) {
    const said = probe.stray.length > 0 ? ` (it printed: ${probe.stray.slice(0, 2).join('; ')})` : '';
    r.bad(
      'probe',
      `the host's answer could not be read: ${probe.error}${said}`,
      'check that `sh` on the host is a POSIX shell',
    );
    return;
  }
  const remoteNowMs = (probe.remoteNowSec ?? Date.now() / 1000) * 1000;
  const m = probe.files.get(metrics)!;
  if (m.kind !== 'ok') {
    r.bad(
      'metrics file',
      `${describeMissing(m, metrics)}${m.kind === 'missing' ? await near(metrics) : ''}`,
      'check `metrics` (relative to `dir`) and that training has started writing it',
    );
  } else {
    r.ok(
      'metrics file',
      `${metrics} (${m.stat.size} bytes, modified ${formatAge(remoteNowMs - m.stat.mtimeSec * 1000)})`,
    );
    const bytes = await session.read(metrics, 0, Math.min(m.stat.size, READ_LIMIT));
    const seen = inspectBytes(path.posix.basename(metrics), bytes, {
      format: w.metrics.format,
      loss: w.metrics.loss,
      regex: w.metrics.regex,
    });
    if (!seen.format)
      r.bad(
        'format',
        seen.why ?? 'not recognised',
        'set metrics.format (jsonl, csv, text, regex, …) in the config',
      );
    else {
      r.ok(
        'format',
        `${seen.format} (${w.metrics.format ? 'from the config' : `detected: ${seen.formatReason}`})`,
      );
      if (seen.records === 0)
        r.bad('newest record', 'no records in the file yet', 'wait for the first epoch, or check the format');
      else {
        const last = seen.last;
        const parts = [
          last.epoch !== null ? `epoch ${last.epoch}` : null,
          last.step !== null ? `step ${last.step}` : null,
          seen.lossMetric ? `${seen.lossMetric} ${last.loss}` : 'no loss metric found',
        ].filter(Boolean);
        r.ok(
          'newest record',
          `${parts.join(', ')} (${seen.records} records${m.stat.size > READ_LIMIT ? ' in the first 32 MB' : ''})`,
        );
        if (!seen.lossMetric)
          r.bad(
            'loss metric',
            `none of ${seen.metrics.slice(0, 8).join(', ')} looks like a loss`,
            'set metrics.loss in the config',
          );
      }
    }
  }
  if (log) {
    const l = probe.files.get(log)!;
    if (l.kind === 'ok') r.ok('log file', `${log} (${l.stat.size} bytes)`);
    else r.bad('log file', describeMissing(l, log), 'check `log` in the config');
  }
  if (pidFile) {
    const p = probe.pids.get(pidFile);
    if (p?.kind === 'running') r.ok('process', `pid ${p.pid} is running`);
    else if (p?.kind === 'dead')
      r.bad(
        'process',
        `pid ${p.pid} (from ${pidFile}) is not running`,
        'the run has ended or crashed; check the log',
      );
    else if (p?.kind === 'bad')
      r.bad('process', `${pidFile} does not hold a pid ("${p.content}")`, 'write the training PID there');
    else if (p?.kind === 'not-regular')
      r.bad('process', notRegularMessage(pidFile, p.what), 'point process.pidFile at a file holding the PID');
    else if (p?.kind === 'unreadable')
      r.bad('process', `${pidFile} is not readable`, 'make it readable by the SSH user');
    else
      r.bad(
        'process',
        `${pidFile} does not exist`,
        'check process.pidFile, or use process.match with part of the command line',
      );
  } else if (pattern) {
    const found = probe.patterns.get(pattern);
    if (found === true) r.ok('process', `a process matching "${pattern}" is running`);
    else if (found === false)
      r.bad(
        'process',
        `no process matches "${pattern}"`,
        'check process.match against `ps -eo args` on the host',
      );
    else r.bad('process', 'pgrep failed on the host', 'install procps on the host');
  } else r.skip('process', 'no process configured');
}
