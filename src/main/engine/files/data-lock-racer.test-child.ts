// A process racing for the data-folder lock (data-lock.test.ts): waits for the shared start time, tries
// once, prints "got" or "refused", and holds what it got until the others have tried.

import { tryLockDataDir } from './data-lock';

const [dir, startAt] = process.argv.slice(2);
const wait = Number(startAt) - Date.now();
if (wait > 0) await new Promise((r) => setTimeout(r, wait));
const lock = await tryLockDataDir(dir!);
process.stdout.write(lock ? 'got\n' : 'refused\n');
await new Promise((r) => setTimeout(r, 1500));
await lock?.release();
