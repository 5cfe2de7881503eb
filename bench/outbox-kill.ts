// Outbox under kill -9: 100 alerts are queued, then the process delivering them is SIGKILLed at random
// moments while a request is in flight (the receiver has it, Vigil has not heard back), and started
// again on the same data folder each time. Counted at a local receiver: alerts lost (never received),
// alerts a receiver honouring the idempotency key would show twice (one alert under two keys), and raw
// resends (the same key received again). Baseline, same run: the same relay without its outbox (each
// restart on an empty folder), i.e. an in-memory queue.
//   npx tsx bench/outbox-kill.ts [--quick]     (5 rounds of 100 alerts, 6 kills each; --quick: 1 round)
// Prints `BENCH outbox_loss_on_kill9 <lost> alerts baseline=<lost in memory>` and
// `BENCH outbox_dup_on_kill9 <shown twice> alerts`.

import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startReceiver } from '../test/support/receiver';
import { bench, note, QUICK, tempDir, until } from './lib';

const here = path.dirname(fileURLToPath(import.meta.url));
const ROUNDS = QUICK ? 1 : 5;
const ALERTS = 100;
const KILLS = 6;

interface Round {
  lost: number;
  shownTwice: number;
  rawResends: number;
  kills: number;
}

function startChild(dataDir: string, url: string, mode: 'enqueue' | 'resume'): Promise<ChildProcess> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', path.join(here, 'relay-child.ts'), dataDir, url, mode, String(ALERTS)],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  return new Promise((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => {
      if (d.toString().includes('ready')) resolve(child);
    });
    child.once('exit', (code) => reject(new Error(`relay child exited with ${code} before it was ready`)));
  });
}

async function round(durable: boolean): Promise<Round> {
  const receiver = await startReceiver();
  const dataDir = tempDir('outbox');
  // Kill while these requests (by arrival order) are in flight: spread over the 100, random each round.
  const killAt = new Set<number>();
  while (killAt.size < KILLS) killAt.add(5 + Math.floor(Math.random() * (ALERTS - 10)));
  let child: ChildProcess | null = null;
  let kills = 0;
  let restarting: Promise<void> = Promise.resolve();
  receiver.reply((_req, i) => {
    if (killAt.has(i) && child) {
      const dead = child;
      child = null;
      kills++;
      dead.kill('SIGKILL');
      restarting = new Promise<void>((resolve) => dead.once('exit', () => resolve())).then(async () => {
        // Without the outbox, a restart starts from nothing: what was queued in memory is gone.
        child = await startChild(durable ? dataDir : tempDir('outbox-mem'), receiver.url, 'resume');
      });
    }
    return { status: 200, delayMs: 5 + Math.floor(Math.random() * 20) };
  });
  child = await startChild(dataDir, receiver.url, 'enqueue');
  const byAlert = () => {
    const keys = new Map<string, Set<string>>();
    for (const r of receiver.requests) {
      const id = JSON.parse(r.body).alert.message as string;
      const set = keys.get(id) ?? new Set();
      set.add(r.key ?? '');
      keys.set(id, set);
    }
    return keys;
  };
  // Done when all arrived, or (without the outbox) when nothing more comes.
  let settledAt = Date.now();
  let lastCount = 0;
  await until(
    () => {
      if (receiver.requests.length !== lastCount) {
        lastCount = receiver.requests.length;
        settledAt = Date.now();
      }
      return byAlert().size === ALERTS || Date.now() - settledAt > 5000;
    },
    120_000,
    'the alerts',
    20,
  );
  await restarting;
  const current = child as ChildProcess | null;
  if (current && current.exitCode === null && current.signalCode === null) {
    const exited = new Promise((r) => current.once('exit', r));
    current.kill('SIGTERM');
    await exited;
  }
  const keys = byAlert();
  const result = {
    lost: ALERTS - keys.size,
    shownTwice: [...keys.values()].filter((s) => s.size > 1).length,
    rawResends: receiver.requests.length - receiver.delivered().length,
    kills,
  };
  await receiver.close();
  return result;
}

const sum = (rs: Round[], k: keyof Round) => rs.reduce((a, r) => a + r[k], 0);
const durable: Round[] = [];
const memory: Round[] = [];
for (let i = 0; i < ROUNDS; i++) {
  durable.push(await round(true));
  memory.push(await round(false));
}
note(
  `with the outbox, ${ROUNDS} × ${ALERTS} alerts, ${sum(durable, 'kills')} kills -9 mid-request: lost ${sum(durable, 'lost')}, shown twice by a receiver honouring the key ${sum(durable, 'shownTwice')}, raw resends (same key again) ${sum(durable, 'rawResends')}`,
);
note(
  `without it (in-memory queue), same kills: lost ${sum(memory, 'lost')} of ${ROUNDS * ALERTS}, raw resends ${sum(memory, 'rawResends')}`,
);
bench('outbox_loss_on_kill9', sum(durable, 'lost'), 'alerts', sum(memory, 'lost'), null);
bench('outbox_dup_on_kill9', sum(durable, 'shownTwice'), 'alerts');
bench('outbox_raw_resends_on_kill9', sum(durable, 'rawResends'), 'requests');
