import net from 'node:net';
import { createSsh2Connector } from '../src/main/engine/ssh/connection';
import type { ResolvedHost } from '../src/main/engine/ssh/types';
import { buildProbeScript } from '../src/main/engine/probe';
import { startSshd } from '../test/support/sshd';
import { writeFileSync, mkdirSync } from 'node:fs';

const sshd = await startSshd();
let reads = 0, writes = 0;
const origPush = net.Socket.prototype.push;
net.Socket.prototype.push = function (this: net.Socket, chunk: unknown, enc?: BufferEncoding) { if (chunk) reads++; return origPush.call(this, chunk, enc); };
const origWrite = net.Socket.prototype._writeGeneric;
(net.Socket.prototype as any)._writeGeneric = function (...a: unknown[]) { writes++; return (origWrite as any).apply(this, a); };
(net.Socket.prototype as any)._writev = function (this: any, ...a: unknown[]) { writes++; return this._writeGeneric === undefined ? undefined : (origWrite as any).call(this, true, ...a); };
try {
  const host: ResolvedHost = { name: 'bench', hostname: sshd.host, port: sshd.port, user: sshd.user, identityFiles: [sshd.clientKeyPath], knownHostsFiles: [sshd.knownHostsPath], hostKeyAlias: null, proxyJump: [], connectTimeoutMs: 10_000, keepaliveIntervalMs: 10_000, keepaliveCountMax: 3 };
  const session = await createSsh2Connector({ agentSock: null }).connect(host);
  const dir = `${sshd.home ?? '/tmp'}/probe-cost`; mkdirSync(dir, { recursive: true });
  const files: string[] = [];
  for (let i = 0; i < 4; i++) { const f = `${dir}/w${i}.jsonl`; writeFileSync(f, 'x\n'); files.push(f); }
  const script = buildProbeScript({ files, globs: [], pidFiles: [], patterns: ['[t]rain.py --w0', '[t]rain.py --w1'], clock: false });
  await session.run(script, { timeoutMs: 20000 });
  const N = Number(process.argv[2] ?? 300);
  reads = 0; writes = 0;
  const c0 = process.cpuUsage(); const t0 = performance.now();
  for (let i = 0; i < N; i++) { const r = await session.run(script, { timeoutMs: 20000 }); if (i === 0) console.log(JSON.stringify(r.stdout).slice(0, 300)); }
  const c = process.cpuUsage(c0); const wall = performance.now() - t0;
  console.log(`per probe: wall ${(wall / N).toFixed(2)} ms, cpu user ${(c.user / N / 1000).toFixed(3)} ms sys ${(c.system / N / 1000).toFixed(3)} ms, socket reads ${(reads / N).toFixed(2)} writes ${(writes / N).toFixed(2)}`);
  session.close();
} finally { await sshd.stop(); }
