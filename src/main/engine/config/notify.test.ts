import { describe, expect, it } from 'vitest';
import { ConfigError } from './errors';
import { parseConfig } from './load';
import { DEFAULT_NOTIFY_KINDS } from './notify-kinds';

const HOME = '/home/u';
const base = `hosts: { ec2: {} }
workers:
  - { name: I3D, host: ec2, dir: /r, metrics: m.jsonl }
alerts:
  notify:
`;
const parse = (notify: string) => parseConfig(base + notify, '/etc/vigil/config.yaml', { home: HOME });

function problems(notify: string): string[] {
  try {
    parseConfig(base + notify, 'config.yaml', { home: HOME });
  } catch (err) {
    if (err instanceof ConfigError) return err.toString().split('\n');
    throw err;
  }
  throw new Error('expected a ConfigError');
}

describe('alerts.notify', () => {
  it('reads every target type; secrets stay references (a file made absolute, or a variable name)', () => {
    const c =
      parse(`    - ntfy: { url: "https://ntfy.sh/vigil-3am", tokenFile: ~/.config/vigil/ntfy-token, priority: 5, click: "https://vigil.example/" }
      kinds: [stalled, failed, diverged]
    - slack: { webhookFile: secrets/slack }
    - webhook: { url: "https://hooks.example.com/vigil", secretEnv: VIGIL_HOOK_SECRET }
      name: on-call
    - command: [/usr/local/bin/page-me, --team, ml]
      kinds: [warnings]
`);
    expect(c.notify.map(({ id, ...t }) => t)).toEqual([
      {
        type: 'ntfy',
        url: 'https://ntfy.sh/vigil-3am',
        token: { file: '/home/u/.config/vigil/ntfy-token' },
        priority: 'max',
        click: 'https://vigil.example/',
        kinds: ['stalled', 'failed', 'diverged'],
        label: 'ntfy ntfy.sh',
      },
      {
        type: 'slack',
        webhook: { file: '/etc/vigil/secrets/slack' },
        kinds: [...DEFAULT_NOTIFY_KINDS],
        label: 'slack (webhook in /etc/vigil/secrets/slack)',
      },
      {
        type: 'webhook',
        url: 'https://hooks.example.com/vigil',
        secret: { env: 'VIGIL_HOOK_SECRET' },
        kinds: [...DEFAULT_NOTIFY_KINDS],
        label: 'on-call',
      },
      {
        type: 'command',
        argv: ['/usr/local/bin/page-me', '--team', 'ml'],
        kinds: ['warnings'],
        label: 'command page-me',
      },
    ]);
    // Ids name the target without its secret, and stay the same when the list is reordered.
    const ids = c.notify.map((t) => t.id);
    expect(new Set(ids).size).toBe(4);
    expect(ids[0]).toMatch(/^ntfy-[0-9a-f]{10}$/);
    const reordered = parse(`    - command: [/usr/local/bin/page-me, --team, ml]
    - ntfy: { url: "https://ntfy.sh/vigil-3am", tokenFile: ~/.config/vigil/ntfy-token }
`);
    expect(reordered.notify.map((t) => t.id)).toEqual([ids[3], ids[0]]);
  });

  it('defaults: no targets; a target without kinds takes every problem and finished, not recovered', () => {
    expect(parseConfig(`${base}    []\n`, 'c.yaml').notify).toEqual([]);
    expect(DEFAULT_NOTIFY_KINDS).toEqual(
      expect.arrayContaining(['stalled', 'unreachable', 'failed', 'diverged', 'error', 'finished']),
    );
    expect(DEFAULT_NOTIFY_KINDS).not.toContain('recovered');
    const c = parse('    - ntfy: https://ntfy.example.org/topic\n');
    expect(c.notify[0]).toMatchObject({ type: 'ntfy', url: 'https://ntfy.example.org/topic' });
  });

  it('a secret written inline is refused without being repeated in the message', () => {
    const secret = 'https://hooks.slack.com/services/T000/B000/XXXXsecretXXXX';
    const lines = problems(`    - slack: "${secret}"
    - ntfy: { url: "https://alice:hunter2secret@ntfy.sh/topic" }
    - ntfy: { url: "https://ntfy.sh/topic?auth=tk_secretsecret" }
    - ntfy: { url: "https://ntfy.sh/t", token: tk_inline_secret }
    - slack: { url: "${secret}" }
    - webhook: { url: "https://h.example/x", secret: s3cr3t-inline }
    - slack: 12345678
`);
    const text = lines.join('\n');
    for (const s of [
      secret,
      'hunter2secret',
      'tk_secretsecret',
      'tk_inline_secret',
      's3cr3t-inline',
      '12345678',
    ])
      expect(text).not.toContain(s);
    expect(lines).toEqual([
      expect.stringMatching(
        /notify\[0\]\.slack: a Slack webhook URL is a secret: put it in a file .*webhookFile/,
      ),
      expect.stringMatching(
        /notify\[1\]\.ntfy\.url: must not carry a user, password or auth= token: put the secret in "tokenFile"/,
      ),
      expect.stringMatching(/notify\[2\]\.ntfy\.url: must not carry a user, password or auth= token/),
      expect.stringMatching(
        /notify\[3\]\.ntfy\.token: unknown key "token": secrets are never written in the config — give "tokenFile" .* or "tokenEnv"/,
      ),
      expect.stringMatching(
        /notify\[4\]\.slack\.url: unknown key "url": secrets are never written .* "webhookFile"/,
      ),
      expect.stringMatching(
        /notify\[5\]\.webhook\.secret: unknown key "secret": .* "secretFile" .* "secretEnv"/,
      ),
      expect.stringMatching(/notify\[6\]\.slack: expected a mapping/),
    ]);
  });

  it('names a wrong kind with a did-you-mean, and a target with no or two types', () => {
    expect(
      problems(`    - ntfy: https://ntfy.sh/t
      kinds: [stalld, finished, paused]
    - kinds: [failed]
    - { ntfy: "https://ntfy.sh/t", command: [echo] }
    - slack: { webhookFile: a, webhookEnv: B }
    - slack: {}
    - command: "notify-send hi"
    - webhook: { url: "ftp://x.example/" }
`),
    ).toEqual([
      'config.yaml:7:15: alerts.notify[0].kinds[0]: unknown kind "stalld" — did you mean "stalled"?',
      'config.yaml:7:33: alerts.notify[0].kinds[2]: unknown kind "paused" (kinds: stalled, unreachable, failed, diverged, error, finished, recovered, reminder, warnings, slowdown)',
      'config.yaml:8:7: alerts.notify[1]: needs one of ntfy, slack, webhook, command',
      'config.yaml:9:7: alerts.notify[2]: one target per entry: give ntfy or command, not both',
      'config.yaml:10:14: alerts.notify[3].slack: give either "webhookFile" or "webhookEnv", not both',
      'config.yaml:11:14: alerts.notify[4].slack: needs "webhookFile" (a file holding the webhook URL) or "webhookEnv" (a variable holding it)',
      expect.stringMatching(
        /^config\.yaml:12:16: alerts\.notify\[5\]\.command: expected a list: \[program, argument, …\]/,
      ),
      'config.yaml:13:23: alerts.notify[6].webhook.url: must be an http:// or https:// URL',
    ]);
  });

  it('a Slack entry with only a misplaced URL is one clear error, not a crash', () => {
    expect(problems('    - slack:\n        url: "https://hooks.slack.com/services/A/B/C"\n')).toEqual([
      'config.yaml:7:9: alerts.notify[0].slack.url: unknown key "url": secrets are never written in the config — give "webhookFile" (a file holding it) or "webhookEnv" (an environment variable holding it)',
    ]);
  });
});
