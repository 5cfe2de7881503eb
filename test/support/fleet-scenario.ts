// A Fleet over local files through the local connector and a fake clock: the real probe, reader, parsers
// and judgement, with time moved by hand. Files are written and stamped with the fake clock's time, as a
// trainer on a remote box would.

import { appendFileSync, mkdtempSync, utimesSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseConfig } from '../../src/main/engine/config';
import { Fleet, type FleetAlert } from '../../src/main/engine/fleet/fleet';
import type { ResolvedHost } from '../../src/main/engine/ssh';
import type { WorkerSnapshot } from '../../src/shared/model';
import { FakeClock } from './fake-clock';
import { localConnector } from './local-connector';

export interface Scenario {
  clock: FakeClock;
  /** The remote run folder (a local temp folder). */
  dir: string;
  dataDir: string;
  conn: ReturnType<typeof localConnector>;
  /** Appends text to a file in dir and stamps it with the fake clock's time. */
  append(file: string, text: string): void;
  /** Writes a file whole (trainer_state.json) and stamps it. */
  put(file: string, text: string): void;
  /** The config with `workers:` lines given (host `gpu`, dir the run folder). */
  config(workersYaml: string, extra?: string): ReturnType<typeof parseConfig>;
}

export function scenario(): Scenario {
  const clock = new FakeClock();
  const dir = mkdtempSync(path.join(os.tmpdir(), 'vigil-scn-'));
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'vigil-scn-data-'));
  const stamp = (file: string) => {
    const t = clock.now() / 1000;
    utimesSync(path.join(dir, file), t, t);
  };
  return {
    clock,
    dir,
    dataDir,
    conn: localConnector(clock),
    append(file, text) {
      appendFileSync(path.join(dir, file), text);
      stamp(file);
    },
    put(file, text) {
      writeFileSync(path.join(dir, file), text);
      stamp(file);
    },
    config(workersYaml, extra = '') {
      const workers = workersYaml.replaceAll('$DIR', dir);
      return parseConfig(
        `poll: 30s\nalerts: { repeatEvery: 1h }\nhosts: { gpu: { hostname: localhost } }\n${extra}workers:\n${workers}\n`,
        'config.yaml',
      );
    },
  };
}

export interface Watched {
  fleet: Fleet;
  alerts: FleetAlert[];
  advance(ms: number): Promise<void>;
  worker(name?: string): WorkerSnapshot;
}

/** Creates the fleet (replaying any mirror in the scenario's data folder) and starts watching. */
export async function watch(
  s: Scenario,
  config: ReturnType<typeof parseConfig>,
  opts: { dataDir?: string; maxBytesPerTick?: number } = {},
): Promise<Watched> {
  const fleet = await Fleet.create({
    config,
    dataDir: opts.dataDir ?? s.dataDir,
    connector: s.conn,
    clock: s.clock,
    resolveHost: async () => ({ name: 'gpu' }) as ResolvedHost,
    ...(opts.maxBytesPerTick ? { maxBytesPerTick: opts.maxBytesPerTick } : {}),
  });
  const alerts: FleetAlert[] = [];
  fleet.onAlert((a) => alerts.push(a));
  fleet.start();
  const advance = (ms: number) => s.clock.advance(ms, () => fleet.whenIdle());
  await advance(0);
  return {
    fleet,
    alerts,
    advance,
    worker: (name) => {
      const all = fleet.snapshot().workers;
      return name === undefined ? all[0]! : all.find((w) => w.name === name)!;
    },
  };
}

/** One pass (as `vigil status`): returns the snapshot. */
export async function onePass(
  s: Scenario,
  config: ReturnType<typeof parseConfig>,
  opts: { dataDir?: string; paceFrom?: string } = {},
) {
  const fleet = await Fleet.create({
    config,
    dataDir: opts.dataDir ?? s.dataDir,
    ...(opts.paceFrom ? { paceFrom: opts.paceFrom } : {}),
    connector: s.conn,
    clock: s.clock,
    resolveHost: async () => ({ name: 'gpu' }) as ResolvedHost,
  });
  const snap = await fleet.runOnce();
  await fleet.stop();
  return snap;
}
