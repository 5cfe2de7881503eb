import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError } from './errors';
import { loadConfig, parseConfig } from './load';

const HOME = '/home/u';
const parse = (text: string, file = '/etc/vigil/config.yaml') => parseConfig(text, file, { home: HOME });

/** The printed report of a config that must fail, one line per problem. */
function problems(text: string, file = 'config.yaml'): string[] {
  try {
    parseConfig(text, file, { home: HOME });
  } catch (err) {
    if (err instanceof ConfigError) return err.toString().split('\n');
    throw err;
  }
  throw new Error('expected a ConfigError');
}

/** A valid config with one worker; `worker` adds lines to it, `top` adds top-level lines. */
const cfg = ({ worker = '', host = '  ec2: {}', top = '', metrics = 'results/metrics.jsonl' } = {}) => `${top}
hosts:
${host}
workers:
  - name: I3D
    host: ec2
    dir: ~/run/i3d
    metrics: ${metrics}
${worker}`;

describe('a valid config', () => {
  it('loads with defaults filled in and durations in ms', () => {
    const c = parse(cfg());
    expect(c).toEqual({
      file: '/etc/vigil/config.yaml',
      pollMs: 1_000,
      repeatAlertsMs: 3_600_000,
      notify: [],
      hosts: {
        ec2: {
          name: 'ec2',
          connectTimeoutMs: 15_000,
          keepaliveIntervalMs: 10_000,
          keepaliveCountMax: 3,
          vitals: { everyMs: 10_000, gpuEveryMs: 15_000 },
          follow: true,
        },
      },
      workers: [
        { name: 'I3D', host: 'ec2', dir: '~/run/i3d', metrics: { path: 'results/metrics.jsonl' }, sync: [] },
      ],
    });
  });

  it('reads every field, expanding ~ in local paths and keeping remote paths as written', () => {
    const c = parse(`
sshConfig: ~/.ssh/other_config
rsync: /opt/homebrew/bin/rsync
poll: 500ms
alerts: { repeatEvery: 30m }
hosts:
  ec2:
    hostname: 203.0.113.10
    port: 2222
    user: ubuntu
    identityFile: ~/.ssh/ec2.pem
    knownHostsFile: keys/known_hosts
    proxyJump: bastion
    connectTimeout: 5s
    keepaliveInterval: 2s
    keepaliveCount: 5
    vitals: { every: 30s, gpuEvery: 1m }
    follow: false
  gpu:
    vitals: false
workers:
  - name: I3D
    host: ec2
    dir: ~/run/i3d
    metrics: { path: results/m.log, format: regex, loss: train_loss, regex: 'loss (?<loss>\\S+)' }
    log: logs/train.log
    process: { match: "train.py --model i3d" }
    stallAfter: 1h30m
    totalEpochs: 50
    sync:
      - from: results/
        to: ~/Vigil/I3D/
        every: 10m
        include: "*.pt"
        exclude: [tmp/, "*.swp"]
        bwlimit: 5000
        onFinish: false
  - name: SlowFast
    host: gpu
    dir: /data/sf
    metrics: m.csv
    process: { pidFile: ~/sf.pid }
`);
    expect(c.sshConfig).toBe('/home/u/.ssh/other_config');
    expect(c.rsync).toBe('/opt/homebrew/bin/rsync');
    expect(c.pollMs).toBe(500);
    expect(c.repeatAlertsMs).toBe(1_800_000);
    expect(c.hosts.ec2).toEqual({
      name: 'ec2',
      hostname: '203.0.113.10',
      port: 2222,
      user: 'ubuntu',
      identityFile: '/home/u/.ssh/ec2.pem',
      knownHostsFile: '/etc/vigil/keys/known_hosts', // relative → against the config file's folder
      proxyJump: 'bastion',
      connectTimeoutMs: 5_000,
      keepaliveIntervalMs: 2_000,
      keepaliveCountMax: 5,
      vitals: { everyMs: 30_000, gpuEveryMs: 60_000 },
      follow: false,
    });
    expect(c.hosts.gpu?.name).toBe('gpu');
    expect(c.hosts.gpu?.vitals).toBeNull();
    const [i3d, sf] = c.workers;
    expect(i3d).toEqual({
      name: 'I3D',
      host: 'ec2',
      dir: '~/run/i3d',
      metrics: { path: 'results/m.log', format: 'regex', loss: 'train_loss', regex: 'loss (?<loss>\\S+)' },
      log: 'logs/train.log',
      process: { match: 'train.py --model i3d' },
      stallAfterMs: 5_400_000,
      totalEpochs: 50,
      sync: [
        {
          from: 'results/',
          to: '/home/u/Vigil/I3D/',
          everyMs: 600_000,
          include: ['*.pt'],
          exclude: ['tmp/', '*.swp'],
          bwlimit: '5000',
          onFinish: false,
          onStall: true,
        },
      ],
    });
    expect(sf?.process).toEqual({ pidFile: '~/sf.pid' }); // remote: kept as written
    expect(sf?.metrics).toEqual({ path: 'm.csv' });
  });
});

describe('unknown keys', () => {
  it('names file, line, column and key, and suggests the near key', () => {
    expect(problems(cfg({ worker: '    stalAfter: 15m' }))).toEqual([
      'config.yaml:9:5: workers[0].stalAfter: unknown key "stalAfter" — did you mean "stallAfter"?',
    ]);
  });

  it('suggests on a case-only difference', () => {
    expect(problems(cfg({ worker: '    TotalEpochs: 3' }))).toEqual([
      'config.yaml:9:5: workers[0].TotalEpochs: unknown key "TotalEpochs" — did you mean "totalEpochs"?',
    ]);
  });

  it('lists the allowed keys when nothing is near', () => {
    expect(problems(cfg({ worker: '    checkpoints: x' }))).toEqual([
      'config.yaml:9:5: workers[0].checkpoints: unknown key "checkpoints" (allowed here: name, host, dir, metrics, log, process, stallAfter, totalEpochs, diverge, sync)',
    ]);
  });

  it('suggests from the keys allowed at that spot, at every level', () => {
    const lines = problems(
      cfg({
        top: 'pol: 2s\nalerts: { repeatEvry: 1h }',
        host: '  ec2: { hostnme: x, Port: 22 }',
        metrics: '{ path: m, formt: csv }',
        worker: '    process: { pidfile: p }\n    sync:\n      - { from: a, evry: 1m }',
      }),
    );
    expect(lines).toEqual([
      'config.yaml:1:1: pol: unknown key "pol" — did you mean "poll"?',
      'config.yaml:2:11: alerts.repeatEvry: unknown key "repeatEvry" — did you mean "repeatEvery"?',
      'config.yaml:4:10: hosts.ec2.hostnme: unknown key "hostnme" — did you mean "hostname"?',
      'config.yaml:4:22: hosts.ec2.Port: unknown key "Port" — did you mean "port"?',
      'config.yaml:9:25: workers[0].metrics.formt: unknown key "formt" — did you mean "format"?',
      'config.yaml:10:16: workers[0].process.pidfile: unknown key "pidfile" — did you mean "pidFile"?',
      'config.yaml:12:20: workers[0].sync[0].evry: unknown key "evry" — did you mean "every"?',
    ]);
  });
});

describe('all errors at once', () => {
  it('reports every problem in file order, one per line', () => {
    const lines = problems(`hosts:
  ec2: {}
workers:
  - name: I3D
    host: ec2
    dir: a
    metrics: m
    stalAfter: 15m
  - name: SlowFast
    host: ec3
    dir: b
    metrics: m
    totalEpochs: many
`);
    expect(lines).toEqual([
      'config.yaml:8:5: workers[0].stalAfter: unknown key "stalAfter" — did you mean "stallAfter"?',
      'config.yaml:10:11: workers[1].host: unknown host "ec3" — did you mean "ec2"?',
      'config.yaml:13:18: workers[1].totalEpochs: expected a number, got the text "many"',
    ]);
  });

  it('exposes the first problem as fields and every one in issues', () => {
    try {
      parseConfig(cfg({ worker: '    stalAfter: 1m\n    totalEpochs: 0' }), '/cfg/config.yaml');
      expect.unreachable();
    } catch (err) {
      const e = err as ConfigError;
      expect(e).toBeInstanceOf(ConfigError);
      expect([e.file, e.line, e.column, e.path]).toEqual(['/cfg/config.yaml', 9, 5, 'workers[0].stalAfter']);
      expect(e.issues.map((i) => i.path)).toEqual(['workers[0].stalAfter', 'workers[0].totalEpochs']);
      expect(e.issues[1]?.message).toBe('must be at least 1');
    }
  });
});

describe('value types', () => {
  it('names the host key of a port that is not a number', () => {
    expect(problems(cfg({ host: "  ec2: { port: 'abc' }" }))).toEqual([
      'config.yaml:3:16: hosts.ec2.port: expected a number, got the text "abc"',
    ]);
  });

  it('bounds ports and counts', () => {
    expect(problems(cfg({ host: '  ec2: { port: 70000, keepaliveCount: 1.5 }' }))).toEqual([
      'config.yaml:3:16: hosts.ec2.port: must be at most 65535',
      'config.yaml:3:39: hosts.ec2.keepaliveCount: expected a whole number, got number 1.5',
    ]);
  });

  it('takes vitals as false or { every, gpuEvery }, nothing else', () => {
    expect(problems(cfg({ host: '  ec2: { vitals: true }' }))).toEqual([
      'config.yaml:3:18: hosts.ec2.vitals: expected false or { every, gpuEvery }, got boolean true',
    ]);
    expect(problems(cfg({ host: '  ec2: { vitals: { every: 1s, evry: 2s } }' }))).toEqual([
      'config.yaml:3:27: hosts.ec2.vitals.every: must be at least 2s (got "1s")',
      'config.yaml:3:31: hosts.ec2.vitals.evry: unknown key "evry" — did you mean "every"?',
    ]);
  });

  it('asks for a value when a key is left empty', () => {
    expect(problems(cfg({ worker: '    log:' }))).toEqual([
      'config.yaml:9:5: workers[0].log: has no value: give one or remove the key',
    ]);
  });

  it('wants true or false for the sync switches and a list for sync', () => {
    expect(problems(cfg({ worker: '    sync:\n      - { from: a, onStall: yes }' }))).toEqual([
      'config.yaml:10:29: workers[0].sync[0].onStall: expected true or false, got the text "yes"',
    ]);
    expect(problems(cfg({ worker: '    sync: { from: a }' }))).toEqual([
      'config.yaml:9:11: workers[0].sync: expected a list, got a mapping',
    ]);
  });

  it('takes bwlimit as a number or a rate with a unit, nothing else', () => {
    expect(
      parse(cfg({ worker: '    sync: [{ from: a, bwlimit: 1.5M }]' })).workers[0]?.sync[0]?.bwlimit,
    ).toBe('1.5M');
    expect(problems(cfg({ worker: '    sync: [{ from: a, bwlimit: fast }]' }))).toEqual([
      'config.yaml:9:32: workers[0].sync[0].bwlimit: expected a rate like 5000 (KiB/s) or "5m" (MiB/s)',
    ]);
  });

  it('takes include/exclude as one pattern or a list of them', () => {
    expect(problems(cfg({ worker: '    sync: [{ from: a, include: [ok, 3], exclude: { a: 1 } }]' }))).toEqual(
      [
        'config.yaml:9:37: workers[0].sync[0].include[1]: expected a string, got number 3',
        'config.yaml:9:50: workers[0].sync[0].exclude: expected a pattern or a list of patterns, got a mapping',
      ],
    );
  });

  it('names a missing required key at the mapping that lacks it', () => {
    expect(problems('hosts: { ec2: {} }\nworkers:\n  - name: I3D\n    host: ec2\n    metrics: m\n')).toEqual([
      'config.yaml:3:5: workers[0].dir: missing required key "dir"',
    ]);
  });

  it('explains the shapes metrics can take', () => {
    expect(problems(cfg({ metrics: '5' }))).toEqual([
      'config.yaml:8:14: workers[0].metrics: expected a path or { path, format?, loss?, regex? }, got number 5',
    ]);
  });

  it('refuses a file that is not a mapping', () => {
    expect(problems('- a\n- b\n')).toEqual([
      'config.yaml:1:1: the file must be a mapping with "hosts:" and "workers:", not a list',
    ]);
  });
});

describe('diverge', () => {
  it('is off with false, or overrides the factor and the share of the run', () => {
    expect(parse(cfg({ worker: '    diverge: false' })).workers[0]!.diverge).toBe(false);
    expect(parse(cfg({ worker: '    diverge: { factor: 20, for: 10% }' })).workers[0]!.diverge).toEqual({
      factor: 20,
      share: 0.1,
    });
    expect(parse(cfg({ worker: '    diverge: { for: "2.5%" }' })).workers[0]!.diverge).toEqual({
      share: 0.025,
    });
    expect(parse(cfg()).workers[0]!.diverge).toBeUndefined();
  });

  it('explains what it takes', () => {
    expect(problems(cfg({ worker: '    diverge: { factor: 1, for: 5 }' }))).toEqual([
      'config.yaml:9:24: workers[0].diverge.factor: must be more than 1 (the loss rising above factor × its best)',
      'config.yaml:9:32: workers[0].diverge.for: expected a share of the run like "5%" (more than 0 %, at most 100 %), got number 5',
    ]);
    expect(problems(cfg({ worker: '    diverge: yes' }))).toEqual([
      'config.yaml:9:14: workers[0].diverge: expected false or { factor: 10, for: "5%" }, got the text "yes"',
    ]);
  });
});

describe('durations', () => {
  it('asks for a unit on a bare number', () => {
    expect(problems(cfg({ worker: '    stallAfter: 15' }))).toEqual([
      'config.yaml:9:17: workers[0].stallAfter: 15 has no unit: write a number with a unit, e.g. "15m" (units: ms, s, m, h, d; combined like "1h30m")',
    ]);
  });

  it('names the key of a duration that is not one', () => {
    expect(problems(cfg({ host: '  ec2: { connectTimeout: soon }' }))).toEqual([
      'config.yaml:3:26: hosts.ec2.connectTimeout: "soon" is not a duration: write a number with a unit, e.g. "15m" (units: ms, s, m, h, d; combined like "1h30m")',
    ]);
  });

  it('holds poll to at least 200ms and other durations above zero', () => {
    expect(problems(cfg({ top: 'poll: 100ms', worker: '    stallAfter: 0s' }))).toEqual([
      'config.yaml:1:7: poll: must be at least 200ms (got "100ms")',
      'config.yaml:9:17: workers[0].stallAfter: must be longer than 0 (got "0s")',
    ]);
  });
});

describe('workers', () => {
  it('needs unique names', () => {
    const text = `${cfg()}  - name: I3D\n    host: ec2\n    dir: x\n    metrics: m\n`;
    expect(problems(text)).toEqual([
      'config.yaml:9:11: workers[1].name: duplicate worker name "I3D" (also workers[0])',
    ]);
  });

  it('needs non-empty names', () => {
    expect(problems(cfg().replace('name: I3D', "name: ''"))).toEqual([
      'config.yaml:5:11: workers[0].name: must not be empty',
    ]);
  });

  it('refuses control characters in names and paths', () => {
    const text = cfg().replace('name: I3D', 'name: "I3D\\n"').replace('dir: ~/run/i3d', 'dir: "a\\tb"');
    expect(problems(text)).toEqual([
      'config.yaml:5:11: workers[0].name: contains a line break; names and paths must be one plain line',
      'config.yaml:7:10: workers[0].dir: contains a tab; names and paths must be one plain line',
    ]);
  });

  it('names the shorthand the user wrote, not the key it stands for', () => {
    expect(problems(cfg().replace('metrics: results/metrics.jsonl', 'metrics: "m\\u0007"'))).toEqual([
      'config.yaml:8:14: workers[0].metrics: contains a control character (U+0007); names and paths must be one plain line',
    ]);
  });

  it("needs the worker's host under hosts, with a suggestion", () => {
    expect(problems(cfg().replace('host: ec2', 'host: EC2'))).toEqual([
      'config.yaml:6:11: workers[0].host: unknown host "EC2" — did you mean "ec2"?',
    ]);
    expect(problems(cfg().replace('host: ec2', 'host: gpu'))).toEqual([
      'config.yaml:6:11: workers[0].host: unknown host "gpu": define it under "hosts:" (defined: ec2)',
    ]);
    expect(problems(cfg().replace('hosts:\n  ec2: {}\n', ''))).toEqual([
      'config.yaml:4:11: workers[0].host: unknown host "ec2": no hosts are defined — add "hosts:" with "ec2: {}"',
    ]);
  });

  it('needs exactly one of pidFile and match', () => {
    expect(problems(cfg({ worker: '    process: { pidFile: a, match: b }' }))).toEqual([
      'config.yaml:9:14: workers[0].process: give either "pidFile" or "match", not both',
    ]);
    expect(problems(cfg({ worker: '    process: {}' }))).toEqual([
      'config.yaml:9:14: workers[0].process: needs "pidFile" (a file holding the PID) or "match" (a pattern of the command line)',
    ]);
  });

  it('compiles the metrics regex and names the key when it does not', () => {
    expect(problems(cfg({ metrics: '{ path: m, format: regex, regex: "loss (?<loss" }' }))).toEqual([
      'config.yaml:8:47: workers[0].metrics.regex: does not compile: Invalid regular expression: /loss (?<loss/: Invalid capture group name',
    ]);
  });

  it('leaves the format id to the engine', () => {
    expect(parse(cfg({ metrics: '{ path: m, format: tensorboard }' })).workers[0]?.metrics.format).toBe(
      'tensorboard',
    );
  });

  it('wants a positive whole number of epochs', () => {
    expect(problems(cfg({ worker: '    totalEpochs: 0' }))).toEqual([
      'config.yaml:9:18: workers[0].totalEpochs: must be at least 1',
    ]);
  });
});

describe('hosts', () => {
  it('refuses host names and ssh arguments that would read as options', () => {
    expect(problems(cfg({ host: '  "-oProxyCommand=x": {}\n  ec2: { hostname: -x, user: "-l" }' }))).toEqual([
      'config.yaml:3:3: hosts.-oProxyCommand=x: host name "-oProxyCommand=x" must not start with "-"',
      'config.yaml:4:20: hosts.ec2.hostname: must not start with "-" (got "-x")',
      'config.yaml:4:30: hosts.ec2.user: must not start with "-" (got "-l")',
    ]);
  });

  it('refuses a ~user local path', () => {
    expect(problems(cfg({ host: '  ec2: { identityFile: ~bob/.ssh/key }' }))).toEqual([
      'config.yaml:3:24: hosts.ec2.identityFile: "~bob/.ssh/key": only "~/" (your home) is expanded; write the full path',
    ]);
  });
});

describe('files that say nothing', () => {
  it.each(['', '\n\n', '# just a comment\n# and another\n'])(
    '%j: no workers configured, naming the file',
    (text) => {
      expect(problems(text, '/home/u/.config/vigil/config.yaml')).toEqual([
        '/home/u/.config/vigil/config.yaml:1:1: no workers configured — add a "workers:" list of { name, host, dir, metrics } (see the example in the README)',
      ]);
    },
  );

  it('an empty workers list is no workers too', () => {
    expect(problems('hosts: { ec2: {} }\nworkers: []\n')).toEqual([
      'config.yaml:2:10: workers: no workers configured — add a "workers:" list of { name, host, dir, metrics } (see the example in the README)',
    ]);
  });
});

describe('YAML syntax', () => {
  it('names line and column of a syntax error', () => {
    expect(problems('hosts:\n  ec2: {}\nworkers: [\n')).toEqual([
      'config.yaml:4:1: YAML syntax error: Flow sequence in block collection must be sufficiently indented and end with a ]',
    ]);
  });

  it('refuses duplicate keys', () => {
    expect(problems(`${cfg()}    dir: again\n`)).toEqual([
      'config.yaml:9:5: YAML syntax error: Map keys must be unique',
    ]);
  });
});

describe('loadConfig', () => {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-config-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('reads a file and records its absolute path', () => {
    const file = join(dir, 'config.yaml');
    writeFileSync(file, cfg());
    expect(loadConfig(file).file).toBe(file);
  });

  it('prefixes messages with the path as given', () => {
    const file = join(dir, 'bad.yaml');
    writeFileSync(file, cfg({ worker: '    stalAfter: 1m' }));
    expect(() => loadConfig(file)).toThrow(`${file}:9:5: workers[0].stalAfter: unknown key "stalAfter"`);
  });

  it('says where it looked for a missing file and how to start', () => {
    const file = join(dir, 'nope', 'config.yaml');
    let err: ConfigError | undefined;
    try {
      loadConfig(file);
    } catch (e) {
      err = e as ConfigError;
    }
    expect(err).toBeInstanceOf(ConfigError);
    expect(err?.line).toBeUndefined();
    const text = String(err);
    expect(text).toContain(`${file}: no config file: Vigil looked for ${file}.`);
    expect(text).toContain('--config FILE, or set VIGIL_CONFIG');
    expect(text).toContain('workers:\n  - name: I3D');
    // The example it prints must itself be a working config.
    const example = text.slice(text.indexOf('hosts:'), text.indexOf('The README'));
    expect(parse(example).workers).toHaveLength(1);
  });

  it('says a folder is not a config file', () => {
    expect(() => loadConfig(dir)).toThrow(`${dir} is a folder; give the config file inside it`);
  });
});

describe('limits (README, Limits)', () => {
  const many = (n: number, hosts = 1) => {
    let text = `hosts:\n${Array.from({ length: hosts }, (_, h) => `  h${h}: {}\n`).join('')}workers:\n`;
    for (let i = 0; i < n; i++)
      text += `  - { name: w${i}, host: h${i % hosts}, dir: /runs/e${i}, metrics: m.jsonl }\n`;
    return text;
  };

  it('a config past 2,000 workers is refused at once, with the numbers', () => {
    const t0 = Date.now();
    expect(problems(many(2500, 5))).toEqual([
      'config.yaml:7:1: workers: 2,500 workers: Vigil watches at most 2,000 (and 1,000 per host); split the config across machines or Vigil instances',
    ]);
    expect(Date.now() - t0).toBeLessThan(10_000);
    expect(parse(many(2000, 2)).workers).toHaveLength(2000);
  });

  it('a host past 1,000 workers is refused, at the first worker over', () => {
    expect(problems(many(1001))).toEqual([
      'config.yaml:1004:26: workers[1000].host: host "h0" has more than 1,000 workers: Vigil watches at most 1,000 per host',
    ]);
  });

  it('a config file past 4 MiB is refused before it is parsed', () => {
    const dir = mkdtempSync(join(tmpdir(), 'vigil-big-'));
    const file = join(dir, 'config.yaml');
    writeFileSync(file, `# ${'x'.repeat(5 << 20)}\n${many(1)}`);
    expect(() => loadConfig(file)).toThrow(
      /the config is 5\.0 MiB: Vigil reads configs of at most 4 MiB \(2,000 workers at most\); split it/,
    );
  });
});
