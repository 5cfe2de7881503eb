// `vigil doctor`'s host checks that predict a freeze before it happens, each ✓/⚠/✗ with the exact fix:
// swap, sshd's protection from the OOM killer, memory and disk headroom against what the runs hold, a
// training process whose stdout is a file without PYTHONUNBUFFERED (its log arrives in 4–8 KB bursts and
// looks stalled), nvidia-smi present and answering, and the probe's round trip now.

import type { WorkerConfig } from '../engine/config';
import {
  buildProbeScript,
  buildVitalsScript,
  type ProbeRequest,
  runProbe,
  runVitals,
  type VitalsReading,
  type VitalsRequest,
} from '../engine/remote';
import { remotePath, type SshSession, shQuote } from '../engine/ssh';

export interface CheckReport {
  ok(step: string, detail: string): void;
  warn(step: string, detail: string, fix: string): void;
  bad(step: string, detail: string, fix?: string): void;
  skip(step: string, why: string): void;
}

/** Memory and disks in binary gigabytes, as `free -g`, `df -h` and EC2's instance sizes count them. */
const GB = 2 ** 30;
const gb = (b: number) => `${(b / GB).toFixed(b < 10 * GB ? 1 : 0)} GB`;

const SWAP_FIX = (gbs: number) =>
  `sudo fallocate -l ${gbs}G /swapfile && sudo chmod 600 /swapfile && sudo mkswap /swapfile && sudo swapon /swapfile ` +
  `&& echo '/swapfile none swap sw 0 0' | sudo tee -a /etc/fstab`;

const SSHD_OOM_FIX =
  "sudo mkdir -p /etc/systemd/system/ssh.service.d && printf '[Service]\\nOOMScoreAdjust=-1000\\n' | " +
  'sudo tee /etc/systemd/system/ssh.service.d/oom.conf && sudo systemctl daemon-reload && sudo systemctl restart ssh';

export async function checkHostHealth(
  r: CheckReport,
  session: SshSession,
  workers: WorkerConfig[],
): Promise<void> {
  const t0 = Date.now();
  const empty: ProbeRequest = { files: [], pidFiles: [], patterns: [], clock: true };
  const probe = await runProbe(session, empty, buildProbeScript(empty)).catch((e: Error) => e);
  const rtt = Date.now() - t0;
  if (probe instanceof Error || probe.error !== null)
    r.bad('probe round trip', `no answer: ${probe instanceof Error ? probe.message : probe.error}`);
  else if (rtt > 1000)
    r.warn('probe round trip', `${rtt} ms now`, 'the host is slow to answer: check its load (uptime, top)');
  else r.ok('probe round trip', `${rtt} ms now`);

  const reading = await readVitals(session, workers);
  if (!reading) {
    r.skip('memory, swap, disks', 'the vitals script got no answer');
  } else if (reading.unavailable) {
    r.skip('memory, swap, disks', `vitals unavailable: ${reading.unavailable}`);
  } else {
    checkSwap(r, reading);
    checkMemory(r, reading, workers);
    for (const d of reading.disks) {
      const names = workers.filter((w) => remotePath(w.dir, session.home) === d.dir).map((w) => w.name);
      const frac = d.freeBytes / d.totalBytes;
      const detail = `${d.dir}: ${gb(d.freeBytes)} free of ${gb(d.totalBytes)} (${names.join(', ')})`;
      if (frac < 0.1 || d.freeBytes < 10 * GB)
        r.warn(
          'disk headroom',
          detail,
          `free space on ${d.dir} (old checkpoints) before the next save fails`,
        );
      else r.ok('disk headroom', detail);
    }
  }
  await checkSshd(r, session);
  if (reading && !reading.unavailable) await checkUnbuffered(r, session, workers, reading);
  await checkNvidiaSmi(r, session);
}

async function readVitals(session: SshSession, workers: WorkerConfig[]): Promise<VitalsReading | null> {
  const req: VitalsRequest = {
    procRoot: '/proc',
    sysRoot: '/sys',
    roots: workers.map((w) => {
      const dir = remotePath(w.dir, session.home);
      if (w.process && 'pidFile' in w.process)
        return { kind: 'pid-file', path: remotePath(w.process.pidFile, session.home, dir) };
      if (w.process && 'match' in w.process) return { kind: 'pattern', pattern: w.process.match, pids: [] };
      return { kind: 'none' };
    }),
    dirs: [...new Set(workers.map((w) => remotePath(w.dir, session.home)))],
    pageSize: true,
    scan: true,
    gpuCollect: false,
    gpuStart: null,
    gpuTimeoutS: 5,
  };
  try {
    const reading = await runVitals(session, req, buildVitalsScript(req), 15_000);
    return reading.error ? null : reading;
  } catch {
    return null;
  }
}

function checkSwap(r: CheckReport, v: VitalsReading): void {
  if (v.swapTotalBytes === null) {
    r.skip('swap', 'not readable');
    return;
  }
  const suggest = Math.max(4, Math.min(32, Math.round((v.memTotalBytes ?? 16 * GB) / GB / 4)));
  if (v.swapTotalBytes === 0)
    r.warn(
      'swap',
      'none: when memory runs out the host freezes or the OOM killer takes processes, sshd among them',
      SWAP_FIX(suggest),
    );
  else r.ok('swap', `${gb(v.swapTotalBytes)} (${gb(v.swapFreeBytes ?? 0)} free)`);
}

function rssOf(v: VitalsReading, tree: number[]): number {
  return tree.reduce((s, pid) => s + (v.procs.get(pid)?.rssPages ?? 0), 0) * (v.pageSize ?? 4096);
}

function checkMemory(r: CheckReport, v: VitalsReading, workers: WorkerConfig[]): void {
  if (v.memTotalBytes === null || v.memAvailableBytes === null) {
    r.skip('memory headroom', 'not readable');
    return;
  }
  const held = workers.map((w, i) => [w.name, rssOf(v, v.trees[i] ?? [])] as const).filter(([, b]) => b > 0);
  const runs = held.length ? `; the runs hold ${held.map(([n, b]) => `${n} ${gb(b)}`).join(', ')}` : '';
  const detail = `${gb(v.memAvailableBytes)} free of ${gb(v.memTotalBytes)}${runs}`;
  if (v.memAvailableBytes / v.memTotalBytes < 0.1)
    r.warn(
      'memory headroom',
      detail,
      'a larger batch or one more DataLoader worker may bring the OOM killer: lower them, or add swap',
    );
  else r.ok('memory headroom', detail);
}

/** The sshd this session came through, up its parents: the listener's oom_score_adj is what counts. */
async function checkSshd(r: CheckReport, session: SshSession): Promise<void> {
  const script = [
    'p=$$; while [ "$p" -gt 1 ] 2>/dev/null; do c=; read -r c < /proc/$p/comm; a=; read -r a < /proc/$p/oom_score_adj',
    'echo "$p $c $a"; l=; read -r l < /proc/$p/stat',
    // biome-ignore lint/suspicious/noTemplateCurlyInString: shell text
    'l=${l##*) }; set -- $l; p=$2; done',
  ].join('\n');
  const out = await session.run(script, { timeoutMs: 10_000 }).catch(() => null);
  const chain = (out?.stdout ?? '')
    .trim()
    .split('\n')
    .map((l) => l.split(' '))
    .filter((f) => f.length >= 3);
  const sshd = chain.filter((f) => f[1] === 'sshd');
  const listener = sshd.at(-1);
  if (!listener) {
    r.skip('sshd and the OOM killer', 'no sshd found above this session');
    return;
  }
  const adj = Number(listener[2]);
  if (Number.isFinite(adj) && adj <= -900)
    r.ok('sshd and the OOM killer', `protected (oom_score_adj ${adj})`);
  else
    r.warn(
      'sshd and the OOM killer',
      `sshd (pid ${listener[0]}) has oom_score_adj ${listener[2] || '?'}: when memory runs out it may be killed and the host becomes unreachable`,
      SSHD_OOM_FIX,
    );
}

/** A python run whose stdout is a file and that is not unbuffered writes its log in 4–8 KB bursts. */
async function checkUnbuffered(
  r: CheckReport,
  session: SshSession,
  workers: WorkerConfig[],
  v: VitalsReading,
): Promise<void> {
  for (const [i, w] of workers.entries()) {
    const answer = v.roots[i];
    const pid = answer?.kind === 'found' ? answer.pids[0] : undefined;
    if (pid === undefined) continue;
    const script =
      `p=/proc/${pid}; o=$(readlink "$p/fd/1" 2>/dev/null); [ -f "$p/fd/1" ] && echo "file $o"; ` +
      `tr '\\0' '\\n' < "$p/environ" 2>/dev/null | grep -q '^PYTHONUNBUFFERED=.' && echo unbuffered; ` +
      `tr '\\0' ' ' < "$p/cmdline" 2>/dev/null | grep -qE '(^|/)python[0-9.]* (.* )?-u( |$)' && echo unbuffered; ` +
      `tr '\\0' ' ' < "$p/cmdline" 2>/dev/null | grep -q python && echo python; [ -r "$p/environ" ] || echo noenv`;
    const out = (await session.run(script, { timeoutMs: 10_000 }).catch(() => null))?.stdout ?? '';
    if (!out.includes('python')) continue;
    const file = /^file (.*)$/m.exec(out)?.[1];
    if (!file) r.ok(`${w.name}: output`, 'stdout is not a file: lines arrive as they are printed');
    else if (out.includes('unbuffered')) r.ok(`${w.name}: output`, `stdout ${file}, unbuffered`);
    else if (out.includes('noenv'))
      r.skip(`${w.name}: output`, `its environment is not readable (pid ${pid})`);
    else
      r.warn(
        `${w.name}: output`,
        `stdout goes to ${file} and PYTHONUNBUFFERED is not set: the log arrives in 4–8 KB bursts and looks stalled`,
        `start it with PYTHONUNBUFFERED=1 (or python -u), e.g. PYTHONUNBUFFERED=1 nohup python train.py > ${shQuote(file)} 2>&1 &`,
      );
  }
}

async function checkNvidiaSmi(r: CheckReport, session: SshSession): Promise<void> {
  const t0 = Date.now();
  const out = await session
    .run(
      'command -v nvidia-smi >/dev/null 2>&1 || { echo absent; exit 0; }; ' +
        'timeout 5 nvidia-smi --query-gpu=index,name --format=csv,noheader,nounits 2>&1; echo "rc $?"',
      { timeoutMs: 15_000 },
    )
    .catch((e: Error) => ({ stdout: `rc x ${e.message}` }));
  const ms = Date.now() - t0;
  const text = out.stdout.trim();
  if (text === 'absent') return r.skip('nvidia-smi', 'not installed (no GPU vitals)');
  const rc = /rc (\S+)[^\n]*$/.exec(text)?.[1];
  const body = text.replace(/\n?rc \S+[^\n]*$/, '').trim();
  if (rc === '124')
    return r.bad(
      'nvidia-smi',
      'did not answer within 5 s — the GPU driver may be wedged',
      '`sudo dmesg | grep -i xid` shows GPU errors; a reboot usually clears a wedged driver',
    );
  const gpus = body.split('\n').filter((l) => /^\d+, /.test(l));
  if (rc !== '0' || gpus.length === 0)
    return r.bad(
      'nvidia-smi',
      `failed: ${body.split('\n')[0] ?? `exit status ${rc}`}`,
      'check the NVIDIA driver',
    );
  r.ok(
    'nvidia-smi',
    `${gpus.length} GPU${gpus.length === 1 ? '' : 's'} answered in ${(ms / 1000).toFixed(1)} s`,
  );
}
