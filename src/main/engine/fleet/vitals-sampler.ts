// What each vitals tick asks (VitalsRequest) and what its answer means (a VitalsSample): the state
// between ticks lives here. A tick's processes are planned within a budget: besides the `timeout`, `sh`
// and `awk` of every tick, at most one of a `ps` (a pattern's processes must be found again), a `stat -f`
// (free space, every third tick) or an `nvidia-smi` (the device and compute-app queries take turns), in
// that order of precedence. The page size (first tick of a connection) is read by shell builtins. CPU % comes from the difference of two readings' CPU times; a pattern found once is followed by
// its pids, checked by their start time (a pid reused by another process does not pass).

import type { HostGpu, WorkerResources } from '../../../shared/model';
import type { DiskSample, VitalsSample } from '../judge';
import type { GpuApp, GpuDevice, ProcStat, VitalsReading, VitalsRequest, VitalsRoot } from '../remote';

export interface VitalsWorker {
  name: string;
  /** How its processes are found (paths absolute). */
  root: VitalsRoot;
  /** Its folder on the host (absolute): the file system whose space is watched. */
  dir: string;
}

export interface SamplerOptions {
  everyMs: number;
  gpuEveryMs: number;
  /** A GPU query alive this long is killed and reported hung. */
  gpuTimeoutS?: number;
  /** "/proc" and "/sys" on real hosts; fixture trees in tests only. */
  procRoot?: string;
  sysRoot?: string;
  /** Names this Vigil's GPU files on the host (see VitalsRequest.gpuId). */
  gpuId?: string;
}

/** USER_HZ: the unit of CPU times in /proc/PID/stat, 100 on every Linux architecture Vigil meets. */
const CLK_TCK = 100;
/** A pattern not found is looked for again this often (a `ps` each time). */
const RESCAN_MS = 60_000;
/** Free space changes slowly: `stat -f` runs every this many ticks (an exec, ~1 ms of the host's CPU). */
const DISK_EVERY_TICKS = 3;
/** With no nvidia-smi, whether one appeared is checked this often. */
const GPU_ABSENT_RECHECK_MS = 10 * 60_000;

interface Hint {
  pid: number;
  start: number;
}

export class VitalsSampler {
  private lastStart = Number.NEGATIVE_INFINITY;
  private pageSize: number | null = null;
  private askPageSize = true;
  private hints = new Map<string, Hint[]>();
  private rescanAt = new Map<string, number>();
  private prevProcs = new Map<number, ProcStat>();
  private prevUptime: number | null = null;
  private gpuAbsentUntil = Number.NEGATIVE_INFINITY;
  private lastGpuStart = Number.NEGATIVE_INFINITY;
  private nextQuery: 0 | 1 = 0;
  private devices: { at: number; list: GpuDevice[] | null; problem: string | null } | null = null;
  private apps: { at: number; list: GpuApp[] | null } | null = null;
  private hung: string | null = null;
  private gpuNote: string | null = null;
  /** Ticks to skip after a vitals run that timed out (a hung file system under a worker's dir). */
  private backoffUntil = Number.NEGATIVE_INFINITY;
  private scanWanted = false;
  private running = false;
  private ticks = 0;
  /** The tick whose answer last carried the disks. */
  private disksTick = Number.NEGATIVE_INFINITY;
  /** Whether the workers have folders to watch, and whether their disks were read once. */
  private hasDirs = false;
  private disksRead = false;
  private disks: DiskSample[] = [];
  readonly gpuTimeoutS: number;

  constructor(private readonly opts: SamplerOptions) {
    this.gpuTimeoutS = opts.gpuTimeoutS ?? 5;
  }

  due(now: number): boolean {
    return now >= this.backoffUntil && now - this.lastStart >= this.opts.everyMs;
  }

  /** A new connection: vitals at once (a return is judged on them), the page size asked again. */
  connected(): void {
    this.askPageSize = true;
    this.lastStart = Number.NEGATIVE_INFINITY;
  }

  /** The next tick runs now (a one-pass `vigil status`). */
  forceDue(): void {
    this.lastStart = Number.NEGATIVE_INFINITY;
    this.backoffUntil = Number.NEGATIVE_INFINITY;
    this.lastGpuStart = Number.NEGATIVE_INFINITY;
  }

  /** Something a one-pass reading still waits for: the page size, a pattern's processes, a GPU answer. */
  pending(): boolean {
    const gpuKnown =
      this.gpuAbsentUntil > Number.NEGATIVE_INFINITY ||
      this.hung !== null ||
      this.gpuNote !== null ||
      (this.devices !== null && this.apps !== null);
    return this.askPageSize || this.scanWanted || (this.hasDirs && !this.disksRead) || !gpuKnown;
  }

  /** A GPU query started and neither answered nor found hung yet. */
  gpuRunning(): boolean {
    return this.running;
  }

  /** The run timed out: wait a few intervals before the next. */
  failed(now: number): void {
    this.backoffUntil = now + 6 * this.opts.everyMs;
  }

  plan(workers: readonly VitalsWorker[], now: number): VitalsRequest {
    this.lastStart = now;
    let slot = 1; // one process besides timeout, sh and awk
    const pageSize = this.askPageSize;
    const needScan = workers.some(
      (w) =>
        w.root.kind === 'pattern' &&
        !this.hints.get(w.name)?.length &&
        now >= (this.rescanAt.get(w.name) ?? 0),
    );
    const scan = needScan && slot > 0;
    this.scanWanted = needScan && !scan;
    if (scan) slot--;
    const dirs = [...new Set(workers.map((w) => w.dir))];
    // Due on the first tick, then every third: a folder that is missing must not take every tick's slot.
    const disksDue = !this.disksRead || this.ticks - this.disksTick >= DISK_EVERY_TICKS;
    this.hasDirs = dirs.length > 0;
    const readDisks = disksDue && dirs.length > 0 && slot > 0;
    if (readDisks) {
      slot--;
      this.disksTick = this.ticks;
    }
    this.ticks++;
    const gpuStart =
      slot > 0 && now >= this.gpuAbsentUntil && now - this.lastGpuStart >= this.opts.gpuEveryMs / 2
        ? this.nextQuery
        : null;
    const roots = workers.map((w): VitalsRoot => {
      if (w.root.kind !== 'pattern') return w.root;
      return { ...w.root, pids: (this.hints.get(w.name) ?? []).map((h) => h.pid) };
    });
    return {
      procRoot: this.opts.procRoot ?? '/proc',
      sysRoot: this.opts.sysRoot ?? '/sys',
      roots,
      dirs,
      readDisks,
      pageSize,
      scan,
      gpuCollect: now >= this.gpuAbsentUntil,
      gpuStart,
      gpuTimeoutS: this.gpuTimeoutS,
      ...(this.opts.gpuId ? { gpuId: this.opts.gpuId } : {}),
    };
  }

  /** Turns an answer into a sample (null when the answer could not be read: the last one stands). */
  absorb(
    req: VitalsRequest,
    r: VitalsReading,
    workers: readonly VitalsWorker[],
    now: number,
  ): { sample: VitalsSample | null; note: string | null } {
    if (r.error !== null)
      return { sample: null, note: `vitals unavailable: the host's answer could not be read (${r.error})` };
    if (r.pageSize !== null) {
      this.pageSize = r.pageSize;
      this.askPageSize = false;
    } else if (req.pageSize) this.askPageSize = false; // no getconf: do not ask every tick
    this.absorbGpu(r, req, now);
    const trees = this.followRoots(req, r, workers, now);
    const resources: Record<string, WorkerResources> = {};
    const pids: Record<string, number[]> = {};
    const gpusOf: Record<string, number[]> = {};
    const dt =
      r.uptimeSeconds !== null && this.prevUptime !== null ? r.uptimeSeconds - this.prevUptime : null;
    const uuidIndex = new Map((this.freshDevices(now) ?? []).map((d) => [d.uuid, d.index]));
    const apps = this.freshApps(now);
    workers.forEach((w, i) => {
      const tree = trees[i] ?? [];
      pids[w.name] = tree;
      resources[w.name] = this.resourcesOf(tree, r, dt, apps);
      const onGpu = (apps ?? []).filter((a) => tree.includes(a.pid)).map((a) => uuidIndex.get(a.gpuUuid));
      gpusOf[w.name] = [...new Set(onGpu.filter((x): x is number => x !== undefined))];
    });
    this.prevProcs = r.procs;
    this.prevUptime = r.uptimeSeconds;
    if (r.unavailable !== null) return { sample: null, note: `vitals unavailable: ${r.unavailable}` };
    if (req.readDisks !== false) {
      this.disks = disksOf(r, workers);
      this.disksRead = true;
    }
    const devices = this.freshDevices(now);
    const sample: VitalsSample = {
      t: now,
      bootId: r.bootId,
      vitals: {
        memTotalBytes: r.memTotalBytes,
        memAvailableBytes: r.memAvailableBytes,
        swapTotalBytes: r.swapTotalBytes,
        swapFreeBytes: r.swapFreeBytes,
        load1: r.load1,
        cpus: r.cpus,
        oomKills: r.oomKills,
        uptimeSeconds: r.uptimeSeconds,
        pressure: r.pressure,
      },
      swapIns: r.swapIns,
      swapOuts: r.swapOuts,
      disks: this.disks,
      gpus: devices?.map(toHostGpu) ?? null,
      gpuNote: this.hung ?? this.gpuNote,
      gpuHung: this.hung !== null,
      workers: resources,
      pids,
      gpusOf,
    };
    const note = r.noChildren
      ? "the kernel does not list child processes (/proc/PID/task/*/children): a run's RSS and CPU count its main process only"
      : null;
    return { sample, note };
  }

  /** Each worker's tree this tick, and the pattern hints for the next. */
  private followRoots(
    req: VitalsRequest,
    r: VitalsReading,
    workers: readonly VitalsWorker[],
    now: number,
  ): number[][] {
    return workers.map((w, i) => {
      const root = req.roots[i];
      const answer = r.roots[i];
      let tree = r.trees[i] ?? [];
      if (root?.kind === 'pattern') {
        const known = this.hints.get(w.name) ?? [];
        if (answer?.kind === 'found' && answer.how === 'match') {
          const found = answer.pids.map((pid) => ({ pid, start: r.procs.get(pid)?.start ?? -1 }));
          this.hints.set(
            w.name,
            found.filter((h) => h.start >= 0),
          );
          if (found.length === 0) this.rescanAt.set(w.name, now + RESCAN_MS);
        } else if (answer?.kind === 'found' && answer.how === 'known') {
          // A pid gone, or now another process: look again (next tick), and trust none of this tree.
          const ok = known.every((h) => r.procs.get(h.pid)?.start === h.start);
          if (!ok) {
            this.hints.delete(w.name);
            this.rescanAt.delete(w.name);
            tree = [];
          }
        }
      }
      return tree;
    });
  }

  private resourcesOf(
    tree: number[],
    r: VitalsReading,
    dt: number | null,
    apps: GpuApp[] | null,
  ): WorkerResources {
    if (tree.length === 0) return { rssBytes: null, cpuPct: null, gpuMemBytes: null };
    let rssPages = 0;
    let ticks = 0;
    let seen = 0;
    for (const pid of tree) {
      const p = r.procs.get(pid);
      if (!p) continue;
      seen++;
      rssPages += p.rssPages;
      const before = this.prevProcs.get(pid);
      if (before && before.start === p.start) ticks += p.utime + p.stime - before.utime - before.stime;
      else if (this.prevUptime !== null && p.start / CLK_TCK >= this.prevUptime) ticks += p.utime + p.stime;
    }
    if (seen === 0) return { rssBytes: null, cpuPct: null, gpuMemBytes: null };
    const mine = (apps ?? []).filter((a) => tree.includes(a.pid));
    return {
      rssBytes: this.pageSize === null ? null : rssPages * this.pageSize,
      cpuPct: dt !== null && dt > 0 ? Math.max(0, (ticks / CLK_TCK / dt) * 100) : null,
      gpuMemBytes:
        apps === null
          ? null
          : mine.some((a) => a.memBytes === null)
            ? null
            : mine.reduce((s, a) => s + a.memBytes!, 0),
    };
  }

  private absorbGpu(r: VitalsReading, req: VitalsRequest, now: number): void {
    this.running = r.gpu.state === 'running' || r.gpuStarted !== null;
    if (r.gpuStarted !== null) {
      this.lastGpuStart = now;
      this.nextQuery = r.gpuStarted === 0 ? 1 : 0;
    }
    const g = r.gpu;
    if (g.state === 'absent') {
      this.gpuAbsentUntil = now + GPU_ABSENT_RECHECK_MS;
      this.devices = null;
      this.apps = null;
      this.hung = null;
      this.gpuNote = null;
    } else if (g.state === 'no-folder') {
      this.gpuNote =
        'nvidia-smi cannot be asked: no folder for its answers on the host ($XDG_RUNTIME_DIR or ~/.cache)';
    } else if (g.state === 'hung') {
      this.hung = `nvidia-smi did not answer within ${Math.max(g.elapsedS, req.gpuTimeoutS)} s — the GPU driver may be wedged`;
      this.devices = null;
    } else if (g.state === 'done') {
      this.hung = null;
      if (g.query === 0) {
        this.devices = { at: now, list: g.devices, problem: g.problem };
        this.gpuNote = g.problem;
      } else this.apps = { at: now, list: g.apps };
    }
  }

  /** Answers older than a few queries are no longer shown (an old number is a wrong number). */
  private stale(at: number, now: number): boolean {
    return now - at > Math.max(3 * this.opts.gpuEveryMs, 4 * this.opts.everyMs);
  }

  private freshDevices(now: number): GpuDevice[] | null {
    return this.devices && !this.stale(this.devices.at, now) ? this.devices.list : null;
  }

  private freshApps(now: number): GpuApp[] | null {
    return this.apps && !this.stale(this.apps.at, now) ? this.apps.list : null;
  }
}

function toHostGpu(d: GpuDevice): HostGpu {
  const { uuid: _u, ...rest } = d;
  return rest;
}

/** One disk per file system, with the workers whose folder it holds. */
function disksOf(r: VitalsReading, workers: readonly VitalsWorker[]): DiskSample[] {
  const byFs = new Map<string, DiskSample>();
  for (const d of r.disks) {
    const names = workers.filter((w) => w.dir === d.dir).map((w) => w.name);
    const had = byFs.get(d.fsid);
    if (had) {
      had.workers.push(...names.filter((n) => !had.workers.includes(n)));
      continue;
    }
    byFs.set(d.fsid, {
      path: d.dir,
      fsid: d.fsid,
      freeBytes: d.freeBytes,
      totalBytes: d.totalBytes,
      freeInodes: d.freeInodes,
      workers: names,
    });
  }
  return [...byFs.values()];
}
