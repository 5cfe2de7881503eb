// The relay alone in its own process, for bench/outbox-kill.ts to `kill -9`: the engine's Relay with its
// outbox in DATA and one webhook target at URL. `enqueue N` first queues N alerts (each fsynced), then
// it delivers until killed; `resume` only delivers what the outbox still owes.
//   node --import tsx bench/relay-child.ts DATA URL enqueue 100 | resume

import type { NotifyTarget } from '../src/main/engine/config';
import { systemClock } from '../src/main/engine/ports';
import { Relay } from '../src/main/engine/relay';

const [dataDir, url, mode, count] = process.argv.slice(2);
const target: NotifyTarget = {
  type: 'webhook',
  id: 'webhook-bench',
  label: 'webhook bench',
  url: `${url}/hook`,
  kinds: ['failed'],
};
const relay = await Relay.open({ dataDir: dataDir!, clock: systemClock });
relay.configure([target]);
if (mode === 'enqueue') {
  const snapshot = { generatedAt: new Date().toISOString(), workers: [], configError: null };
  for (let i = 0; i < Number(count); i++)
    relay.enqueue(
      {
        worker: `w${i}`,
        kind: 'failed',
        message: `alert #${i}`,
        at: new Date().toISOString(),
        key: `w${i}/failed-${Date.now().toString(36)}:failed`,
      },
      snapshot,
    );
}
process.stdout.write('ready\n');
// Like the engine, it stays up with nothing to send (its timers are only the relay's retries).
setInterval(() => {}, 60_000);
process.on('SIGTERM', () => void relay.stop().then(() => process.exit(0)));
