// A Vigil engine in its own process, for faults that hit the process itself (SIGKILL, SIGSTOP): the
// EngineService that `vigil serve` and the app run, on a config and a data folder. It prints one JSON
// line per alert and, every 100 ms, its state: connect attempts, probes run, each worker's figures.
//
//   node --import tsx test/chaos/connection-engine-child.ts CONFIG DATA_DIR

import { EngineService } from '../../src/main/engine/fleet/service';
import { createSsh2Connector } from '../../src/main/engine/ssh/connection';
import type { SshConnector, SshSession } from '../../src/main/engine/ssh/types';
import type { FleetSnapshot } from '../../src/shared/model';

const [configPath, dataDir] = process.argv.slice(2);
if (!configPath || !dataDir) throw new Error('usage: connection-engine-child.ts CONFIG DATA_DIR');

let attempts = 0;
let probes = 0;
const inner = createSsh2Connector();
const connector: SshConnector = {
  async connect(host, opts) {
    attempts++;
    const s = await inner.connect(host, opts);
    const counted: SshSession = {
      get home() {
        return s.home;
      },
      get alive() {
        return s.alive;
      },
      run: (script, o) => {
        // The host's vitals run in the same shell at their own cadence (the script, or a request to the
        // follower, which reads them itself); only file probes count here.
        const vitals = script.includes('/meminfo') || o?.env?.VIGIL_Q !== undefined;
        if (!vitals && !script.startsWith('kill ')) probes++;
        return s.run(script, o);
      },
      // The follower's launch (follow mode), passed through so the faults hit a followed host.
      startStream: s.startStream ? (script, o) => s.startStream!(script, o) : undefined,
      read: (p, offset, max) => s.read(p, offset, max),
      close: () => s.close(),
      onClose: (l) => s.onClose(l),
    };
    return counted;
  },
};

const print = (o: unknown) => process.stdout.write(`${JSON.stringify(o)}\n`);
const service = new EngineService({ configPath, dataDir, connector });
service.backend().subscribe((event, payload) => {
  if (event === 'alert') print({ t: Date.now(), alert: payload });
});
await service.start();

const state = () => {
  const snap = service.snapshot() as FleetSnapshot;
  print({
    t: Date.now(),
    attempts,
    probes,
    rssMb: Math.round((process.memoryUsage().rss / 2 ** 20) * 10) / 10,
    workers: snap.workers.map((w) => ({
      name: w.name,
      status: w.status,
      connection: w.connection,
      records: w.records,
      mirror: w.mirror,
    })),
  });
};
state();
const timer = setInterval(state, 100);

const stop = async () => {
  clearInterval(timer);
  await service.stop();
  process.exit(0);
};
process.on('SIGTERM', () => void stop());
process.on('SIGINT', () => void stop());
