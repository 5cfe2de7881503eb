// A process racing for the data-folder lock (data-lock.test.ts): waits for the shared start time, tries
// once, prints "got" or "refused", and holds what it got until every racer has tried (each leaves a
// mark in a shared folder): under load a racer can start seconds late, and must still find it held.

import { readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { tryLockDataDir } from './data-lock';

const [dir, startAt, marks, racers] = process.argv.slice(2);
const wait = Number(startAt) - Date.now();
if (wait > 0) await new Promise((r) => setTimeout(r, wait));
const lock = await tryLockDataDir(dir!);
process.stdout.write(lock ? 'got\n' : 'refused\n');
writeFileSync(path.join(marks!, String(process.pid)), '');
const until = Date.now() + 60_000;
while (readdirSync(marks!).length < Number(racers) && Date.now() < until)
  await new Promise((r) => setTimeout(r, 50));
await lock?.release();
