// A fixture /proc (and /sys) tree whose files follow the kernel documentation's formats
// (Documentation/filesystems/proc.rst, accounting/psi.rst), for the vitals script in tests: memory,
// swap, pressure, the OOM counter, boot id, and processes with their stat lines and children files.
// Values change by calling the setters, as a host's would between two ticks.

import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';

export interface FakeProcess {
  pid: number;
  ppid: number;
  comm?: string;
  state?: string;
  utime?: number;
  stime?: number;
  start?: number;
  rssPages?: number;
}

export interface FakeProcState {
  memTotalKb: number;
  memAvailableKb: number;
  swapTotalKb: number;
  swapFreeKb: number;
  oomKills: number | null;
  pswpin: number;
  pswpout: number;
  load: [number, number, number];
  uptime: number;
  bootId: string;
  cpusOnline: string;
  /** avg10 values; null: the kernel has no /proc/pressure. */
  pressure: {
    memorySome: number;
    memoryFull: number;
    cpuSome: number;
    ioSome: number;
    ioFull: number;
  } | null;
  /** The kernel has /proc/PID/task/TID/children (CONFIG_PROC_CHILDREN). */
  children: boolean;
  processes: FakeProcess[];
}

export const DEFAULT_FAKE_PROC: FakeProcState = {
  memTotalKb: 64_000_000,
  memAvailableKb: 40_000_000,
  swapTotalKb: 0,
  swapFreeKb: 0,
  oomKills: 0,
  pswpin: 0,
  pswpout: 0,
  load: [3.5, 3.1, 2.9],
  uptime: 86_400.42,
  bootId: '5f1c3c1e-9d8b-4c0a-8f77-2d6a1e0b9c11',
  cpusOnline: '0-7',
  pressure: { memorySome: 0, memoryFull: 0, cpuSome: 12.5, ioSome: 0.4, ioFull: 0.1 },
  children: true,
  processes: [],
};

const kb = (name: string, v: number) => `${`${name}:`.padEnd(16)}${String(v).padStart(8)} kB`;

/** /proc/PID/stat: 52 fields, comm in parentheses (it may hold spaces and parentheses). */
export function statLine(p: FakeProcess): string {
  const f = new Array<string | number>(50).fill(0);
  f[0] = p.state ?? 'S';
  f[1] = p.ppid;
  f[2] = p.pid; // pgrp
  f[3] = p.pid; // session
  f[5] = -1; // tpgid
  f[6] = 4194304; // flags
  f[11] = p.utime ?? 100;
  f[12] = p.stime ?? 10;
  f[15] = 20; // priority
  f[17] = 1; // num_threads
  f[19] = p.start ?? 1000;
  f[20] = 1_000_000_000; // vsize
  f[21] = p.rssPages ?? 1000;
  f[22] = '18446744073709551615';
  return `${p.pid} (${p.comm ?? 'python'}) ${f.join(' ')}`;
}

export class FakeProc {
  readonly procRoot: string;
  readonly sysRoot: string;
  state: FakeProcState;

  constructor(
    readonly dir: string,
    initial: Partial<FakeProcState> = {},
  ) {
    this.procRoot = path.join(dir, 'proc');
    this.sysRoot = path.join(dir, 'sys');
    this.state = { ...DEFAULT_FAKE_PROC, ...initial };
    this.write();
  }

  set(change: Partial<FakeProcState>): void {
    this.state = { ...this.state, ...change };
    this.write();
  }

  /** Rewrites every file from the state (processes no longer listed disappear). */
  write(): void {
    const s = this.state;
    rmSync(this.procRoot, { recursive: true, force: true });
    mkdirSync(path.join(this.procRoot, 'sys/kernel/random'), { recursive: true });
    mkdirSync(path.join(this.sysRoot, 'devices/system/cpu'), { recursive: true });
    const put = (rel: string, text: string) => writeFileSync(path.join(this.procRoot, rel), text);
    put(
      'meminfo',
      [
        kb('MemTotal', s.memTotalKb),
        kb('MemFree', Math.round(s.memAvailableKb * 0.6)),
        kb('MemAvailable', s.memAvailableKb),
        kb('Buffers', 3656),
        kb('Cached', 1_195_708),
        kb('SwapCached', 0),
        kb('Active', 891_636),
        kb('Inactive', 1_077_224),
        kb('SwapTotal', s.swapTotalKb),
        kb('SwapFree', s.swapFreeKb),
        kb('Dirty', 12),
        kb('HugePages_Total', 0).replace(' kB', ''),
        '',
      ].join('\n'),
    );
    const vm = ['nr_free_pages 3408516', 'nr_zone_inactive_anon 0', 'pgpgin 12345', 'pgpgout 6789'];
    vm.push(`pswpin ${s.pswpin}`, `pswpout ${s.pswpout}`, 'pgalloc_dma 0', 'pgfault 123456789');
    if (s.oomKills !== null) vm.push(`oom_kill ${s.oomKills}`);
    vm.push('numa_hit 1', 'thp_fault_alloc 0', '');
    put('vmstat', vm.join('\n'));
    put('loadavg', `${s.load.map((l) => l.toFixed(2)).join(' ')} 2/812 31337\n`);
    put('uptime', `${s.uptime.toFixed(2)} ${(s.uptime * 7.3).toFixed(2)}\n`);
    put('sys/kernel/random/boot_id', `${s.bootId}\n`);
    writeFileSync(path.join(this.sysRoot, 'devices/system/cpu/online'), `${s.cpusOnline}\n`);
    if (s.pressure) {
      mkdirSync(path.join(this.procRoot, 'pressure'));
      const p = s.pressure;
      const line = (kind: string, v: number) =>
        `${kind} avg10=${v.toFixed(2)} avg60=${(v / 2).toFixed(2)} avg300=${(v / 4).toFixed(2)} total=${Math.round(v * 1e6)}`;
      put('pressure/memory', `${line('some', p.memorySome)}\n${line('full', p.memoryFull)}\n`);
      put('pressure/cpu', `${line('some', p.cpuSome)}\n${line('full', 0)}\n`);
      put('pressure/io', `${line('some', p.ioSome)}\n${line('full', p.ioFull)}\n`);
    }
    for (const p of s.processes) {
      const task = path.join(this.procRoot, String(p.pid), 'task', String(p.pid));
      mkdirSync(task, { recursive: true });
      put(`${p.pid}/stat`, `${statLine(p)}\n`);
      if (s.children) {
        // The kernel writes "pid pid " with a trailing space and no newline.
        const kids = s.processes.filter((c) => c.ppid === p.pid).map((c) => `${c.pid} `);
        writeFileSync(path.join(task, 'children'), kids.join(''));
      }
    }
  }
}
