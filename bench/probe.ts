// Probe cost: one command in Vigil's long-lived control shell against a fresh `exec` per command (what
// an `ssh host cmd` loop pays: a login shell and its .bashrc each time), on a real sshd.
//   npx tsx bench/probe.ts [--quick]
// Prints `BENCH probe_round_trip_ms <ms> ms baseline=<ms> ratio=<baseline/ours>`.

import { readFileSync } from 'node:fs';
import ssh2 from 'ssh2';
import { createSsh2Connector } from '../src/main/engine/ssh/connection';
import type { ResolvedHost } from '../src/main/engine/ssh/types';
import { startSshd } from '../test/support/sshd';

const N = process.argv.includes('--quick') ? 20 : 100;
const sshd = await startSshd();
try {
  const host: ResolvedHost = {
    name: 'bench',
    hostname: sshd.host,
    port: sshd.port,
    user: sshd.user,
    identityFiles: [sshd.clientKeyPath],
    knownHostsFiles: [sshd.knownHostsPath],
    hostKeyAlias: null,
    proxyJump: [],
    connectTimeoutMs: 10_000,
    keepaliveIntervalMs: 10_000,
    keepaliveCountMax: 3,
  };
  const session = await createSsh2Connector({ agentSock: null }).connect(host);
  await session.run('true');
  let t0 = performance.now();
  for (let i = 0; i < N; i++) await session.run('true');
  const control = (performance.now() - t0) / N;
  session.close();

  const client = new ssh2.Client();
  await new Promise<void>((resolve, reject) => {
    client.once('ready', () => resolve());
    client.once('error', reject);
    client.connect({
      host: sshd.host,
      port: sshd.port,
      username: sshd.user,
      privateKey: readFileSync(sshd.clientKeyPath),
      hostVerifier: () => true, // the bench's own sshd
    });
  });
  const exec = () =>
    new Promise<void>((resolve, reject) => {
      client.exec('true', (err, ch) => {
        if (err) return reject(err);
        ch.resume(); // close fires only once the output is read
        ch.stderr.resume();
        ch.on('close', () => resolve());
      });
    });
  await exec();
  t0 = performance.now();
  for (let i = 0; i < N; i++) await exec();
  const fresh = (performance.now() - t0) / N;
  client.end();
  console.log(
    `BENCH probe_round_trip_ms ${control.toFixed(2)} ms baseline=${fresh.toFixed(2)} ratio=${(fresh / control).toFixed(1)}`,
  );
} finally {
  await sshd.stop();
}
