// Security, each a test: no remote path, pattern or worker name runs a command (through the
// real sshd and the real CLI); `vigil serve` listens on 127.0.0.1 only, wants its token, refuses
// cross-origin WebSocket upgrades; no private key, passphrase or token reaches a log, the snapshot or
// the WebSocket. (CSP and window options: security-static.fast.test.ts.)

import { type ChildProcess, execFile, execFileSync, spawn } from 'node:child_process';
import {
  appendFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { request } from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { stringify } from 'yaml';
import { hostFor, runVigil, VIGIL_BIN } from '../integration/helpers';
import { onExitCleanup } from '../support/cleanup';
import { type Sshd, startSshd } from '../support/sshd';
import { recordRow, rssMb } from './table';

const execFileP = promisify(execFile);
const TAG = `vigilhit${process.pid}x${Math.random().toString(36).slice(2, 8)}`;
const MARKERS = mkdtempSync(path.join(os.tmpdir(), 'vigil-markers-'));

/** Every way a shell could be talked into running `touch MARKER`. */
function payloads(n: string): string[] {
  const m = path.join(MARKERS, `${TAG}-${n}`);
  return [
    `$(touch ${m}-a)`,
    `\`touch ${m}-b\``,
    `; touch ${m}-c;`,
    `' ; touch ${m}-d ; '`,
    `" ; touch ${m}-e ; "`,
    `x | touch ${m}-f &`,
    `&& touch ${m}-g $HOME`,
    `'$(touch ${m}-h)'"\`touch ${m}-i\`"`,
  ];
}

/** Any marker file, wherever a relative or absolute `touch` would have put it. */
function markersFound(): string[] {
  const found: string[] = [];
  for (const root of [MARKERS, os.tmpdir(), os.homedir(), process.cwd(), '/']) {
    try {
      const out = execFileSync(
        'find',
        [root, '-maxdepth', root === MARKERS ? '8' : '2', '-name', `${TAG}*`],
        {
          encoding: 'utf8',
          stdio: ['ignore', 'pipe', 'ignore'],
        },
      );
      found.push(...out.split('\n').filter(Boolean));
    } catch (e) {
      const out = (e as { stdout?: string }).stdout ?? '';
      found.push(...out.split('\n').filter(Boolean));
    }
  }
  // The payloads themselves name the marker as part of directory names: only a regular file is a hit.
  return [...new Set(found)].filter((f) => {
    try {
      return statSync(f).isFile() && path.basename(f).startsWith(TAG);
    } catch {
      return false;
    }
  });
}

function rec(e: number): string {
  return `${JSON.stringify({ epoch: e, loss: 1 / e })}\n`;
}

/** A Vigil config at `file` for `workers` on the test sshd (through its own ssh_config unless told). */
function writeVigilConfig(
  file: string,
  sshd: Sshd,
  workers: Record<string, unknown>[],
  opts: { sshConfig?: string; poll?: string } = {},
): string {
  writeFileSync(
    file,
    stringify({
      sshConfig: opts.sshConfig ?? sshd.sshConfigPath,
      ...(opts.poll === undefined ? {} : { poll: opts.poll }),
      hosts: { [sshd.alias]: hostFor() },
      workers,
    }),
  );
  return file;
}

/** SIGKILLs `pid` if the test process exits first; returns the unregister. */
function killOnExit(pid: number): () => void {
  return onExitCleanup(() => {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // gone
    }
  });
}

/** Everything the suite wrote or received, for the secrets grep. */
const transcripts: { what: string; text: string }[] = [];
function keep(what: string, text: string | Buffer): void {
  transcripts.push({ what, text: String(text) });
}
function keepTree(what: string, dir: string): void {
  if (!existsSync(dir)) return;
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile()) continue;
    const p = path.join(entry.parentPath, entry.name);
    keep(`${what}:${path.relative(dir, p)}`, readFileSync(p));
  }
}

describe('security', () => {
  let sshd: Sshd;
  beforeAll(async () => {
    sshd = await startSshd();
  });
  afterAll(async () => {
    if (sshd) keep('sshd log', sshd.log());
    await sshd?.stop();
  });

  it('no worker name, remote path, glob or process pattern runs a command: quoted (and read) or refused', async () => {
    const rss0 = rssMb();
    const base = mkdtempSync(path.join(os.tmpdir(), 'vigil-inject-'));
    const workers: Record<string, unknown>[] = [];
    const expectRecords = new Map<string, number>();
    payloads('w').forEach((p, i) => {
      const name = `W${i} ${p}`;
      const dir = path.join(base, `d${i} ${p}`);
      mkdirSync(dir, { recursive: true });
      const metrics = `m${i} ${p}.jsonl`.replaceAll('/', '_');
      const log = `l${i} ${p}.log`.replaceAll('/', '_');
      const pid = `p${i} ${p}.pid`.replaceAll('/', '_');
      writeFileSync(path.join(dir, metrics), rec(1) + rec(2) + rec(i + 3));
      writeFileSync(path.join(dir, log), `started ${p}\n`);
      writeFileSync(path.join(dir, pid), `${process.pid}\n`);
      workers.push({
        name,
        host: sshd.alias,
        dir,
        metrics,
        log,
        process: i % 2 === 0 ? { pidFile: pid } : { match: `train ${p}` },
        sync: [{ from: `${metrics}`, to: path.join(base, 'sync-to', `w${i}`), every: '1h' }],
      });
      expectRecords.set(name, 3);
      // The same hostile folder and file names reached through a glob: the shell expands the
      // pattern, and every name it yields stays quoted.
      workers.push({ name: `Glob${i}`, host: sshd.alias, dir, metrics: 'm*.jsonl' });
      expectRecords.set(`Glob${i}`, 3);
    });
    // A wildcard name may hold only plain glob characters: anything else is refused before any probe.
    payloads('g')
      .slice(0, 3)
      .forEach((p, i) => {
        workers.push({ name: `G${i}`, host: sshd.alias, dir: base, metrics: `events.${p}.*` });
      });
    const cfgDir = mkdtempSync(path.join(os.tmpdir(), 'vigil-inject-cfg-'));
    const cfg = writeVigilConfig(path.join(cfgDir, 'config.yaml'), sshd, workers);
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'vigil-inject-data-'));
    const env = { VIGIL_DATA: dataDir };
    const status = await runVigil(['status', '--config', cfg, '--json'], env);
    keep('status stdout', status.stdout);
    keep('status stderr', status.stderr);
    const doctor = await runVigil(['doctor', '--config', cfg], env);
    keep('doctor stdout', doctor.stdout);
    keep('doctor stderr', doctor.stderr);
    const sync = await runVigil(['sync', 'W0 ' + payloads('w')[0], '--config', cfg], env);
    keep('sync stdout', sync.stdout);
    keep('sync stderr', sync.stderr);
    keepTree('data', dataDir);

    const snap = JSON.parse(status.stdout) as {
      workers: { name: string; status: string; reason: string; records: number; mirror: string }[];
    };
    for (const [name, n] of expectRecords) {
      const w = snap.workers.find((x) => x.name === name)!;
      // Quoted, so the odd names are just names: the files are found and read.
      expect(w.records, `${name}: ${w.reason}`).toBe(n);
      expect(w.status).not.toBe('error');
      // The worker's mirror stays inside the data folder, whatever its name.
      expect(path.resolve(w.mirror).startsWith(path.join(dataDir, 'mirror') + path.sep)).toBe(true);
    }
    for (let i = 0; i < 3; i++) {
      const g = snap.workers.find((x) => x.name === `G${i}`)!;
      expect(g.status).toBe('error');
      expect(g.reason).toMatch(/wildcard file name may only use/);
    }
    expect(sync.code, sync.stderr).toBe(0);

    // A newline cannot be quoted for the line-based probe: refused at load, naming the key.
    const nl = writeVigilConfig(path.join(cfgDir, 'newline.yaml'), sshd, [
      { name: 'N', host: sshd.alias, dir: `${base}/x\ntouch ${MARKERS}/${TAG}-nl`, metrics: 'm.jsonl' },
    ]);
    const refused = await runVigil(['status', '--config', nl, '--json'], env);
    keep('newline stderr', refused.stderr);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/line break/);
    expect(refused.stderr).toMatch(/dir/);

    const hits = markersFound();
    expect(hits).toEqual([]);
    recordRow({
      fault: 'shell injection through names, paths, globs, patterns, sync rules',
      expected: 'quoted (files still read) or refused; no marker file anywhere',
      observed: `${expectRecords.size} hostile workers (half through a glob) read 3/3 records each via status, doctor and sync; 3 hostile globs refused; newline refused at load; ${hits.length} markers`,
      rssBeforeMb: rss0,
      rssAfterMb: rssMb(),
      pass: hits.length === 0,
    });
  });

  describe('vigil serve', () => {
    let child: ChildProcess;
    let url: URL;
    let token = '';
    let stdout = '';
    let stderr = '';
    let dataDir = '';

    beforeAll(async () => {
      const dir = mkdtempSync(path.join(os.tmpdir(), 'vigil-serve-remote-'));
      writeFileSync(path.join(dir, 'metrics.jsonl'), rec(1) + rec(2));
      const cfgDir = mkdtempSync(path.join(os.tmpdir(), 'vigil-serve-cfg-'));
      const cfg = writeVigilConfig(
        path.join(cfgDir, 'config.yaml'),
        sshd,
        [{ name: 'Served', host: sshd.alias, dir, metrics: 'metrics.jsonl' }],
        { poll: '500ms' },
      );
      dataDir = mkdtempSync(path.join(os.tmpdir(), 'vigil-serve-data-'));
      child = spawn(process.execPath, [VIGIL_BIN, 'serve', '--config', cfg, '--port', '0'], {
        env: { ...process.env, VIGIL_DATA: dataDir },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      killOnExit(child.pid!);
      child.stdout!.on('data', (c) => {
        stdout += c;
      });
      child.stderr!.on('data', (c) => {
        stderr += c;
      });
      const deadline = Date.now() + 90_000;
      while (!/Open (http:\S+)/.test(stdout)) {
        if (Date.now() > deadline || child.exitCode !== null)
          throw new Error(`serve did not start: ${stderr}`);
        await new Promise((r) => setTimeout(r, 50));
      }
      url = new URL(stdout.match(/Open (http:\S+)/)![1]!);
      token = url.searchParams.get('token')!;
      tokenSeen = token;
    }, 120_000);

    afterAll(async () => {
      if (child && child.exitCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        await exited;
      }
      keep('serve stderr', stderr);
      // stdout carries the address with the token by design (the user must open it): only there.
      keep('serve stdout without its address line', stdout.replace(url?.href ?? '\0', '<url>'));
      keepTree('serve data', dataDir);
    });

    it('listens on 127.0.0.1 only', async () => {
      const ss = execFileSync('ss', ['-Hltnp'], { encoding: 'utf8' });
      const mine = ss.split('\n').filter((l) => l.includes(`pid=${child.pid},`));
      expect(mine.length).toBeGreaterThan(0);
      for (const l of mine) expect(l.split(/\s+/)[3]).toBe(`127.0.0.1:${url.port}`);
      // And nothing answers on this machine's other addresses.
      const others = Object.values(os.networkInterfaces())
        .flat()
        // (an IPv6 link-local address needs a zone to be dialled at all: leave those out)
        .filter((a) => a && !a.internal && !a.address.startsWith('fe80'))
        .map((a) => a!.address);
      for (const addr of others) {
        const res = await get(`http://${addr.includes(':') ? `[${addr}]` : addr}:${url.port}/`, {}).catch(
          (e: NodeJS.ErrnoException) => e.code,
        );
        expect(res).toMatch(/ECONNREFUSED|EADDRNOTAVAIL|ENETUNREACH|EHOSTUNREACH/);
      }
      recordRow({
        fault: 'vigil serve: listening address',
        expected: '127.0.0.1 only',
        observed: `${mine.map((l) => l.split(/\s+/)[3]).join(', ')}; refused on ${others.length} other address(es)`,
        pass: true,
      });
    });

    it('wants its token (compared in constant time), checks Host', async () => {
      const base = `http://127.0.0.1:${url.port}`;
      const wrongSameLength = token.replace(/^./, (c) => (c === 'A' ? 'B' : 'A'));
      expect((await get(`${base}/api/status`)).status).toBe(401);
      expect((await get(`${base}/api/status?token=`)).status).toBe(401);
      expect((await get(`${base}/api/status?token=${encodeURIComponent(wrongSameLength)}`)).status).toBe(401);
      expect((await get(`${base}/api/status?token=${encodeURIComponent(token.slice(0, -1))}`)).status).toBe(
        401,
      );
      expect((await get(`${base}/api/status?token=${encodeURIComponent(`${token}x`)}`)).status).toBe(401);
      const ok = await get(`${base}/api/status?token=${encodeURIComponent(token)}`);
      expect(ok.status).toBe(200);
      keep('/api/status', ok.body);
      expect(JSON.parse(ok.body).workers[0].name).toBe('Served');
      // DNS rebinding: a foreign Host is refused even with the token.
      expect(
        (await get(`${base}/api/status?token=${encodeURIComponent(token)}`, { Host: 'evil.example' })).status,
      ).toBe(421);
      // The page itself is sent with the strict CSP header.
      const page = await get(`${base}/`);
      expect(page.status).toBe(200);
      expect(page.headers['content-security-policy']).toMatch(/default-src 'none'/);
      expect(page.headers['content-security-policy']).not.toMatch(/unsafe-inline|unsafe-eval/);
      // Constant time: the comparison hashes both sides and uses timingSafeEqual (no early exit on
      // the first wrong character, no length leak). Read from the source, since a timing test on a
      // loaded 2-core box is noise.
      const src = readFileSync(path.resolve('src/main/headless/token.ts'), 'utf8');
      expect(src).toMatch(/timingSafeEqual\(/);
      expect(src).toMatch(/createHash\('sha256'\)/);
      const { tokenMatches } = await import('../../src/main/headless/token');
      const timing = (given: string) => {
        const t0 = process.hrtime.bigint();
        for (let i = 0; i < 20_000; i++) tokenMatches(token, given);
        return Number(process.hrtime.bigint() - t0) / 20_000;
      };
      for (let i = 0; i < 3; i++) timing(token);
      const firstWrong = timing(wrongSameLength);
      const lastWrong = timing(token.replace(/.$/, (c) => (c === 'A' ? 'B' : 'A')));
      recordRow({
        fault: 'vigil serve: requests without/with a wrong token, foreign Host',
        expected:
          '401 without or with a wrong token (any length), 421 for a foreign Host; constant-time compare',
        observed: `401 ×5, 200 with the token, 421 foreign Host; compare ${firstWrong.toFixed(0)} ns (1st char wrong) vs ${lastWrong.toFixed(0)} ns (last char wrong)`,
        pass: true,
      });
    });

    it('refuses WebSocket upgrades that are cross-origin, without Origin, on a foreign Host or without the token', async () => {
      const ws = `ws://127.0.0.1:${url.port}/ws`;
      const origin = `http://127.0.0.1:${url.port}`;
      const t = encodeURIComponent(token);
      expect(await upgrade(`${ws}?token=${t}`, { Origin: 'http://evil.example' })).toBe(403);
      expect(await upgrade(`${ws}?token=${t}`, { Origin: 'null' })).toBe(403);
      expect(await upgrade(`${ws}?token=${t}`, {})).toBe(403);
      expect(await upgrade(`${ws}?token=${t}`, { Origin: `http://127.0.0.1:${Number(url.port) + 1}` })).toBe(
        403,
      );
      expect(await upgrade(`${ws}?token=${t}`, { Origin: origin, Host: 'evil.example' })).toBe(421);
      expect(await upgrade(ws, { Origin: origin })).toBe(401);
      expect(await upgrade(`${ws}?token=nope`, { Origin: origin })).toBe(401);
      // The right one opens, answers, and its traffic is kept for the secrets check.
      const sock = new WebSocket(`${ws}?token=${t}`, { headers: { Origin: origin } });
      const frames: string[] = [];
      sock.on('message', (d) => frames.push(String(d)));
      await new Promise((r, j) => {
        sock.once('open', r);
        sock.once('error', j);
      });
      sock.send(JSON.stringify({ type: 'request', id: 1, command: 'getSnapshot', args: [] }));
      await until(() => frames.some((f) => f.includes('"id":1')), 10_000);
      sock.send(
        JSON.stringify({
          type: 'request',
          id: 2,
          command: 'getSeries',
          args: ['Served', ['loss'], { maxPoints: 100, x: 'epoch' }],
        }),
      );
      await until(() => frames.some((f) => f.includes('"id":2')), 10_000);
      sock.close();
      keep('websocket frames', frames.join('\n'));
      expect(frames.find((f) => f.includes('"id":1'))).toContain('"ok":true');
      recordRow({
        fault: 'vigil serve: WebSocket upgrades',
        expected:
          'cross-origin / no Origin / foreign Host / no or wrong token refused; same origin + token served',
        observed:
          '403 ×4 (evil, null, none, other port), 421 foreign Host, 401 ×2 (no/wrong token), 101 + answers for the right one',
        pass: true,
      });
    });
  });

  it('a passphrase-protected key: used through the agent; without it a clear error, the passphrase never asked or shown', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'vigil-agent-'));
    const key = path.join(dir, 'id_enc');
    const passphrase = `pass-${TAG}-phrase`;
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', passphrase, '-C', 'vigil-enc', '-f', key]);
    appendFileSync(path.join(sshd.dir, 'authorized_keys'), readFileSync(`${key}.pub`));
    const remote = mkdtempSync(path.join(os.tmpdir(), 'vigil-agent-remote-'));
    writeFileSync(path.join(remote, 'metrics.jsonl'), rec(1) + rec(2));
    const sshConfig = path.join(dir, 'ssh_config');
    writeFileSync(
      sshConfig,
      readFileSync(sshd.sshConfigPath, 'utf8').replace(/IdentityFile .*/, `IdentityFile ${key}`),
    );
    const cfg = writeVigilConfig(
      path.join(dir, 'config.yaml'),
      sshd,
      [{ name: 'Enc', host: sshd.alias, dir: remote, metrics: 'metrics.jsonl' }],
      { sshConfig },
    );
    const env = { VIGIL_DATA: mkdtempSync(path.join(os.tmpdir(), 'vigil-agent-data-')), SSH_AUTH_SOCK: '' };
    const noAgent = await runVigil(['status', '--config', cfg, '--json'], env);
    keep('no-agent stdout', noAgent.stdout);
    keep('no-agent stderr', noAgent.stderr);
    const w0 = JSON.parse(noAgent.stdout).workers[0];
    expect(w0.status).toBe('error');
    expect(w0.reason).toContain(key);
    expect(w0.reason).toMatch(/agent|ssh-add/);
    const doctor = await runVigil(['doctor', '--config', cfg], env);
    keep('no-agent doctor', doctor.stdout + doctor.stderr);

    // With an agent holding the key (added with the passphrase through SSH_ASKPASS), it just works.
    const sock = path.join(dir, 'agent.sock');
    const agent = spawn('ssh-agent', ['-D', '-a', sock], { stdio: 'ignore' });
    const unregister = killOnExit(agent.pid!);
    try {
      await until(() => existsSync(sock), 5000);
      const askpass = path.join(dir, 'askpass.sh');
      writeFileSync(askpass, `#!/bin/sh\necho '${passphrase}'\n`, { mode: 0o700 });
      await execFileP('ssh-add', [key], {
        env: {
          ...process.env,
          SSH_AUTH_SOCK: sock,
          SSH_ASKPASS: askpass,
          SSH_ASKPASS_REQUIRE: 'force',
          DISPLAY: ':0',
        },
      });
      const withAgent = await runVigil(['status', '--config', cfg, '--json'], {
        ...env,
        SSH_AUTH_SOCK: sock,
      });
      keep('agent stdout', withAgent.stdout);
      keep('agent stderr', withAgent.stderr);
      expect(JSON.parse(withAgent.stdout).workers[0]).toMatchObject({ records: 2 });
      keepTree('agent data', env.VIGIL_DATA);
    } finally {
      agent.kill('SIGKILL');
      unregister();
    }
    secrets.push({ what: 'passphrase', value: passphrase });
    secrets.push({ what: 'encrypted private key', value: keyBody(key) });
  });

  const secrets: { what: string; value: string }[] = [];
  function keyBody(file: string): string {
    // The base64 body of an OpenSSH private key: any 40-character run of it is telling.
    return readFileSync(file, 'utf8')
      .split('\n')
      .filter((l) => l && !l.startsWith('-----'))
      .join('')
      .slice(20, 60);
  }

  it('no private key, passphrase or token appears in any log, output, snapshot, data file or WebSocket frame', () => {
    expect(transcripts.length).toBeGreaterThan(10);
    secrets.push({ what: 'client private key', value: keyBody(sshd.clientKeyPath) });
    secrets.push({ what: 'sshd host private key', value: keyBody(sshd.hostKeyPath) });
    // The serve token, from the address it printed (that one line is kept out of the transcripts).
    expect(tokenSeen).not.toBe('');
    secrets.push({ what: 'serve token', value: tokenSeen });
    const leaks: string[] = [];
    for (const s of secrets) {
      expect(s.value.length).toBeGreaterThanOrEqual(16);
      for (const t of transcripts) if (t.text.includes(s.value)) leaks.push(`${s.what} in ${t.what}`);
    }
    expect(leaks).toEqual([]);
    recordRow({
      fault: 'secrets in logs, outputs, snapshot, WebSocket',
      expected: 'no private key, passphrase or token anywhere',
      observed: `${secrets.length} secrets × ${transcripts.length} transcripts (CLI stdout/stderr, sshd log, status JSON, /api/status, WS frames, data files): ${leaks.length} leaks`,
      pass: leaks.length === 0,
    });
  });
});

let tokenSeen = '';

function get(
  href: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: string; headers: Record<string, string | string[] | undefined> }> {
  return new Promise((resolve, reject) => {
    const req = request(href, { headers, timeout: 5000 }, (res) => {
      let body = '';
      res.on('data', (c) => {
        body += c;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, headers: res.headers }));
    });
    req.on('error', reject);
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.end();
  });
}

/** The HTTP status a WebSocket upgrade gets (101 when accepted). */
function upgrade(href: string, headers: Record<string, string>): Promise<number> {
  return new Promise((resolve) => {
    const u = new URL(href);
    const req = request({
      host: u.hostname,
      port: u.port,
      path: `${u.pathname}${u.search}`,
      headers: {
        Connection: 'Upgrade',
        Upgrade: 'websocket',
        'Sec-WebSocket-Version': '13',
        'Sec-WebSocket-Key': Buffer.from('0123456789abcdef').toString('base64'),
        ...headers,
      },
    });
    req.on('upgrade', (res, socket) => {
      socket.destroy();
      resolve(res.statusCode ?? 0);
    });
    req.on('response', (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', () => resolve(-1));
    req.end();
  });
}

async function until(ok: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!ok()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
}
