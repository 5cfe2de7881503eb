// Reads the answer of the vitals script (vitals-script.ts): pure, and strict where the protocol is
// concerned (a record nobody asked for refuses the whole answer, as the probe does), lenient where the
// kernel is: a /proc file missing or shaped otherwise than the kernel documentation says leaves its
// field null, never a wrong zero. Formats: Documentation/filesystems/proc.rst (meminfo, vmstat,
// loadavg, uptime, /proc/PID/stat), Documentation/accounting/psi.rst (pressure), and nvidia-smi's
// `--format=csv,noheader,nounits` (comma and space separated; `[N/A]`, `[Not Supported]` for unknown).

import { type Frame, printable, readNulRecords, readSection1 } from './frame';
import type { VitalsRequest } from './vitals-script';

export interface ProcStat {
  pid: number;
  ppid: number;
  state: string;
  /** CPU time in clock ticks (USER_HZ). */
  utime: number;
  stime: number;
  /** Start time, clock ticks after boot: with the pid, it names one process (pids are reused). */
  start: number;
  rssPages: number;
}

export interface Pressure {
  memorySome10: number | null;
  memoryFull10: number | null;
  cpuSome10: number | null;
  ioSome10: number | null;
  ioFull10: number | null;
}

export interface GpuDevice {
  index: number;
  uuid: string | null;
  name: string | null;
  utilPct: number | null;
  memUsedBytes: number | null;
  memTotalBytes: number | null;
  tempC: number | null;
  powerW: number | null;
  powerLimitW: number | null;
  /** Active clock throttle reasons by name; null when nvidia-smi did not say. */
  throttle: string[] | null;
}

export interface GpuApp {
  pid: number;
  memBytes: number | null;
  gpuUuid: string | null;
}

export type GpuReading =
  | { state: 'not-asked' }
  /** No nvidia-smi on the PATH. */
  | { state: 'absent' }
  | { state: 'no-folder' }
  | { state: 'running'; query: 0 | 1; elapsedS: number }
  /** Still running past the timeout: killed. */
  | { state: 'hung'; query: 0 | 1; elapsedS: number }
  /** A query's answer: the devices (query 0) or the compute apps (query 1). */
  | GpuAnswer;

export type GpuAnswer =
  | { state: 'done'; query: 0; devices: GpuDevice[] | null; problem: string | null }
  | { state: 'done'; query: 1; apps: GpuApp[] | null; problem: string | null };

export type RootAnswer =
  | { kind: 'found'; how: 'pid' | 'match' | 'known'; pids: number[] }
  | { kind: 'problem'; what: 'bad' | 'nofile' | 'unreadable' | 'noscan' }
  | { kind: 'not-asked' };

export interface DiskReading {
  dir: string;
  fsid: string;
  totalBytes: number;
  /** Free for an unprivileged user (what a training run can still write). */
  freeBytes: number;
  totalInodes: number;
  freeInodes: number;
}

export interface VitalsReading {
  /** The answer could not be read at all: why (then nothing else is set). */
  error: string | null;
  /** Vitals cannot be read on this host: why ("no /proc", "no awk"). */
  unavailable: string | null;
  pageSize: number | null;
  memTotalBytes: number | null;
  memAvailableBytes: number | null;
  swapTotalBytes: number | null;
  swapFreeBytes: number | null;
  load1: number | null;
  cpus: number | null;
  uptimeSeconds: number | null;
  bootId: string | null;
  oomKills: number | null;
  /** Pages swapped in and out since boot. */
  swapIns: number | null;
  swapOuts: number | null;
  pressure: Pressure;
  /** Per requested root, in order. */
  roots: RootAnswer[];
  /** Per requested root: every pid of its tree (root first). */
  trees: number[][];
  procs: Map<number, ProcStat>;
  /** The kernel has no /proc/PID/task/TID/children: descendants are unknown. */
  noChildren: boolean;
  gpu: GpuReading;
  /** The GPU query started this tick, if any. */
  gpuStarted: 0 | 1 | null;
  disks: DiskReading[];
  /** Requested folders that do not exist. */
  missingDirs: string[];
  stray: string[];
}

const noPressure = (): Pressure => ({
  memorySome10: null,
  memoryFull10: null,
  cpuSome10: null,
  ioSome10: null,
  ioFull10: null,
});

export function emptyReading(roots: number): VitalsReading {
  return {
    error: null,
    unavailable: null,
    pageSize: null,
    memTotalBytes: null,
    memAvailableBytes: null,
    swapTotalBytes: null,
    swapFreeBytes: null,
    load1: null,
    cpus: null,
    uptimeSeconds: null,
    bootId: null,
    oomKills: null,
    swapIns: null,
    swapOuts: null,
    pressure: noPressure(),
    roots: Array.from({ length: roots }, () => ({ kind: 'not-asked' }) as RootAnswer),
    trees: Array.from({ length: roots }, () => []),
    procs: new Map(),
    noChildren: false,
    gpu: { state: 'not-asked' },
    gpuStarted: null,
    disks: [],
    missingDirs: [],
    stray: [],
  };
}

class Refused extends Error {}
const refuse = (why: string): never => {
  throw new Refused(why);
};

/** Reads one answer of the script built for `req`, run with `nonce`. Never throws. */
export function parseVitalsOutput(req: VitalsRequest, out: Buffer, nonce: string): VitalsReading {
  const reading = emptyReading(req.roots.length);
  const { framed, rest } = readSection1(out, nonce);
  reading.stray = framed.stray;
  if (framed.error || rest === null) return { ...reading, error: framed.error ?? 'no answer' };
  try {
    bind(req, framed.records, reading);
    readDisks(req, rest, nonce, reading);
  } catch (e) {
    if (!(e instanceof Refused)) throw e;
    return { ...emptyReading(req.roots.length), stray: framed.stray, error: e.message };
  }
  return reading;
}

function bind(req: VitalsRequest, records: Frame[], r: VitalsReading): void {
  const seen = new Set<string>();
  const once = (f: Frame) => {
    const id = `${f.tag}${f.index}`;
    if (seen.has(id)) refuse(`the answer repeats ${f.tag} ${f.index}`);
    seen.add(id);
  };
  /** The GPU query's answer lines, and which query it was once it is said done. */
  const gpu = { lines: [] as string[], done: null as 0 | 1 | null };
  const root = (f: Frame) => {
    if (f.index >= req.roots.length) refuse(`the answer has ${f.tag} ${f.index}, which was not asked`);
    return f.index;
  };
  for (const f of records) {
    const text = f.payload.toString('latin1');
    switch (f.tag) {
      case 'X':
        once(f);
        r.unavailable =
          text === 'noproc' ? 'this host has no /proc (not Linux?)' : 'awk is missing on the host';
        break;
      case 'Z':
        once(f);
        r.pageSize = /^\d{3,8}$/.test(text) ? Number(text) : null;
        break;
      case 'W': {
        once(f);
        r.roots[root(f)] = rootAnswer(text);
        break;
      }
      case 'C': {
        once(f);
        r.trees[root(f)] = pidList(text);
        break;
      }
      case 'Y':
        once(f);
        r.noChildren = true;
        break;
      case 'A':
        once(f);
        readAwk(text, r);
        break;
      case 'H': {
        once(f);
        gpu.done = gpuState(f.index, text, r) ?? gpu.done;
        break;
      }
      case 'G':
        // Several lines (the script caps them), of the query the H record says is done.
        if (gpu.done === null || f.index !== gpu.done)
          refuse(`the answer has G ${f.index} of no finished query`);
        gpu.lines.push(f.payload.toString('utf8'));
        break;
      case 'K': {
        once(f);
        const dir = req.dirs[f.index] ?? refuse(`the answer has K ${f.index}, which was not asked`);
        r.missingDirs.push(dir);
        break;
      }
      default:
        refuse(`the answer has a record "${f.tag}" that no vitals request asks`);
    }
  }
  if (gpu.done === 0) r.gpu = parseGpuDevices(gpu.lines);
  else if (gpu.done === 1) r.gpu = parseGpuApps(gpu.lines);
}

function rootAnswer(text: string): RootAnswer {
  const m = /^(pid|match|known)((?: \d{1,10})*)$/.exec(text);
  if (m) return { kind: 'found', how: m[1] as 'pid' | 'match' | 'known', pids: pidList(m[2]!) };
  if (text === 'bad' || text === 'nofile' || text === 'unreadable' || text === 'noscan')
    return { kind: 'problem', what: text };
  return refuse(`a process answer "${printable(text.slice(0, 40))}"`);
}

function pidList(text: string): number[] {
  if (!/^[\d ]*$/.test(text)) refuse(`a pid list "${printable(text.slice(0, 40))}"`);
  return text
    .split(' ')
    .filter((s) => s !== '')
    .map(Number);
}

const num = (s: string | undefined): number | null => {
  if (s === undefined || !/^-?\d+(\.\d+)?$/.test(s)) return null;
  const n = Number(s);
  return Number.isFinite(n) ? n : null;
};

/** The awk reader's lines: `TAG rest`. A line of an unknown tag, or shaped otherwise, is skipped. */
function readAwk(text: string, r: VitalsReading): void {
  for (const line of text.split('\n')) {
    const tag = line[0];
    const rest = line.slice(2);
    if (tag === 'M') meminfoLine(rest, r);
    else if (tag === 'V') vmstatLine(rest, r);
    else if (tag === 'L') r.load1 = num(rest.split(' ')[0]);
    else if (tag === 'U') r.uptimeSeconds = num(rest.split(' ')[0]);
    else if (tag === 'I') r.bootId = /^[0-9a-f-]{8,64}$/.test(rest) ? rest : null;
    else if (tag === 'N') r.cpus = cpuCount(rest);
    else if (tag === 'S' || tag === 'P' || tag === 'Q') pressureLine(tag, rest, r.pressure);
    else if (tag === 'T') procLine(rest, r.procs);
  }
}

/** "MemTotal:       16303428 kB" → bytes (the kernel's "kB" is KiB). */
function meminfoLine(line: string, r: VitalsReading): void {
  const m = /^(MemTotal|MemAvailable|SwapTotal|SwapFree):\s+(\d{1,15}) kB$/.exec(line);
  if (!m) return;
  const bytes = Number(m[2]) * 1024;
  if (m[1] === 'MemTotal') r.memTotalBytes = bytes;
  else if (m[1] === 'MemAvailable') r.memAvailableBytes = bytes;
  else if (m[1] === 'SwapTotal') r.swapTotalBytes = bytes;
  else r.swapFreeBytes = bytes;
}

function vmstatLine(line: string, r: VitalsReading): void {
  const m = /^(pswpin|pswpout|oom_kill) (\d{1,20})$/.exec(line);
  if (!m) return;
  const v = Number(m[2]);
  if (m[1] === 'oom_kill') r.oomKills = v;
  else if (m[1] === 'pswpin') r.swapIns = v;
  else r.swapOuts = v;
}

/** sysfs cpu/online: "0-63", "0,2-5,7". */
export function cpuCount(list: string): number | null {
  if (!/^\d+(-\d+)?(,\d+(-\d+)?)*$/.test(list)) return null;
  let n = 0;
  for (const part of list.split(',')) {
    const [a, b] = part.split('-').map(Number);
    n += b === undefined ? 1 : b! - a! + 1;
  }
  return n > 0 ? n : null;
}

/** "some avg10=1.23 avg60=… avg300=… total=…" (psi.rst), or its first two fields (as the vitals script sends). */
function pressureLine(tag: string, line: string, p: Pressure): void {
  const m = /^(some|full) avg10=(\d{1,3}\.\d{2})(?: avg60=\S+ avg300=\S+ total=\d+)?$/.exec(line);
  if (!m) return;
  const v = Number(m[2]);
  const full = m[1] === 'full';
  if (tag === 'S' && full) p.memoryFull10 = v;
  else if (tag === 'S') p.memorySome10 = v;
  else if (tag === 'P' && !full) p.cpuSome10 = v;
  else if (tag === 'Q' && full) p.ioFull10 = v;
  else if (tag === 'Q') p.ioSome10 = v;
}

/** The awk reader's "pid ppid state utime stime starttime rss". */
function procLine(line: string, procs: Map<number, ProcStat>): void {
  const m = /^(\d{1,10}) (\d{1,10}) ([A-Za-z]) (\d{1,20}) (\d{1,20}) (\d{1,20}) (-?\d{1,20})$/.exec(line);
  if (!m) return;
  procs.set(Number(m[1]), {
    pid: Number(m[1]),
    ppid: Number(m[2]),
    state: m[3]!,
    utime: Number(m[4]),
    stime: Number(m[5]),
    start: Number(m[6]),
    rssPages: Math.max(0, Number(m[7])),
  });
}

// --- GPU -----------------------------------------------------------------------------------------

/** Applies a GPU state record; returns which query is done when one is. */
function gpuState(index: number, text: string, r: VitalsReading): 0 | 1 | null {
  const bad = () => refuse(`a GPU answer "${printable(text.slice(0, 40))}"`);
  if (index === 1) {
    const m = /^started ([01]) \d{1,12}$/.exec(text) ?? bad();
    r.gpuStarted = Number(m[1]) as 0 | 1;
    return null;
  }
  if (index === 2) {
    if (text !== 'nodir') bad();
    r.gpu = { state: 'no-folder' };
    return null;
  }
  if (index !== 0) refuse(`the answer has H ${index}`);
  if (text === 'absent') {
    r.gpu = { state: 'absent' };
    return null;
  }
  const m = /^(running|hung|done) ([01]) (\d{1,12}) (\d{1,12})$/.exec(text) ?? bad();
  const query = Number(m[2]) as 0 | 1;
  const elapsedS = Math.max(0, Number(m[4]) - Number(m[3]));
  if (m[1] === 'running') r.gpu = { state: 'running', query, elapsedS };
  else if (m[1] === 'hung') r.gpu = { state: 'hung', query, elapsedS };
  else return query;
  return null;
}

/** What nvidia-smi prints for a value it does not have. */
const UNKNOWN =
  /^\[(N\/A|Not Supported|Unknown Error|Insufficient Permissions|GPU is lost|Requested functionality has been deprecated)\]$/;

/** A csv field as a number, null when nvidia-smi does not know it (or it carries a stray unit). */
function field(s: string | undefined): number | null {
  if (s === undefined) return null;
  const v = s.trim().replace(/ ?(MiB|W|%|C)$/, '');
  if (UNKNOWN.test(v) || v === '') return null;
  return num(v);
}

const text = (s: string | undefined): string | null => {
  const v = s?.trim() ?? '';
  return v === '' || UNKNOWN.test(v) ? null : printable(v).slice(0, 80);
};

/** NVML's clocks throttle reason bits (nvml.h, nvmlClocksThrottleReason*), by the names Vigil shows. */
export const THROTTLE_REASONS: [number, string][] = [
  [0x1, 'idle'],
  [0x2, 'application clocks'],
  [0x4, 'power cap'],
  [0x8, 'hardware slowdown'],
  [0x10, 'sync boost'],
  [0x20, 'thermal (software)'],
  [0x40, 'thermal (hardware)'],
  [0x80, 'power brake'],
  [0x100, 'display clocks'],
];

export function throttleNames(hex: string | undefined): string[] | null {
  const v = hex?.trim() ?? '';
  if (!/^0x[0-9a-fA-F]{1,16}$/.test(v)) return null;
  // Only the low bits are named; a 64-bit mask does not fit a double, but its low 32 bits do.
  const low = Number.parseInt(v.slice(-8), 16);
  return THROTTLE_REASONS.filter(([bit]) => (low & bit) !== 0).map(([, name]) => name);
}

const MIB = 1024 * 1024;
const mib = (s: string | undefined) => {
  const v = field(s);
  return v === null ? null : Math.round(v * MIB);
};

const firstLine = (lines: string[]) => printable(lines.find((l) => l.trim() !== '') ?? '').slice(0, 160);

/** Why an answer that is not csv is not: the tool's own complaint, or garbage. */
function notCsv(line: string): string {
  const said = firstLine([line]);
  return /fail|error|unable|couldn't|could not|not found|no devices|driver/i.test(said)
    ? `nvidia-smi failed: ${said}`
    : `nvidia-smi printed something unexpected: ${said}`;
}

/** The device query's lines (nvidia-smi's exit status is not kept: its words say what went wrong). */
export function parseGpuDevices(lines: string[]): Extract<GpuAnswer, { query: 0 }> {
  const devices: GpuDevice[] = [];
  for (const line of lines) {
    if (line.trim() === '') continue;
    const f = line.split(',');
    const index = f[0]?.trim() ?? '';
    if (f.length !== 10 || !/^\d{1,3}$/.test(index))
      return { state: 'done', query: 0, devices: null, problem: notCsv(line) };
    devices.push({
      index: Number(index),
      uuid: text(f[1]),
      name: text(f[2]),
      utilPct: field(f[3]),
      memUsedBytes: mib(f[4]),
      memTotalBytes: mib(f[5]),
      tempC: field(f[6]),
      powerW: field(f[7]),
      powerLimitW: field(f[8]),
      throttle: throttleNames(f[9]),
    });
  }
  if (devices.length === 0)
    return { state: 'done', query: 0, devices: null, problem: 'nvidia-smi listed no GPU' };
  return { state: 'done', query: 0, devices, problem: null };
}

/** The compute apps' lines: none is a valid answer (nothing runs on the GPUs). */
export function parseGpuApps(lines: string[]): Extract<GpuAnswer, { query: 1 }> {
  const apps: GpuApp[] = [];
  for (const line of lines) {
    if (line.trim() === '' || /^No running/i.test(line.trim())) continue;
    const f = line.split(',');
    const pid = f[0]?.trim() ?? '';
    if (f.length !== 3 || !/^\d{1,10}$/.test(pid))
      return { state: 'done', query: 1, apps: null, problem: notCsv(line) };
    apps.push({ pid: Number(pid), memBytes: mib(f[1]), gpuUuid: text(f[2]) });
  }
  return { state: 'done', query: 1, apps, problem: null };
}

// --- disks ---------------------------------------------------------------------------------------

const STATFS = /^([0-9a-f]{1,16}) (\d{1,10}) (\d{1,20}) (\d{1,20}) (\d{1,20}) (\d{1,20}) (\d{1,20}) /;

function readDisks(req: VitalsRequest, rest: Buffer, nonce: string, r: VitalsReading): void {
  const byBytes = new Map(req.dirs.map((d) => [Buffer.from(d, 'utf8').toString('latin1'), d]));
  for (const body of readNulRecords(rest, nonce, r.stray)) {
    const f = STATFS.exec(body.toString('latin1', 0, Math.min(body.length, 160)));
    const dir = f ? byBytes.get(body.subarray(f[0].length).toString('latin1')) : undefined;
    if (!f || dir === undefined) continue; // not one this request asked about
    const block = Number(f[2]);
    r.disks.push({
      dir,
      fsid: f[1]!,
      totalBytes: Number(f[3]) * block,
      freeBytes: Number(f[5]) * block,
      totalInodes: Number(f[6]),
      freeInodes: Number(f[7]),
    });
  }
}
