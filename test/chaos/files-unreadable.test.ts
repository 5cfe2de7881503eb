// A remote file made unreadable (chmod 000). Root reads any file whatever its mode, and this machine
// runs the tests as root, so the remote side logs in as a throwaway unprivileged user (created here,
// removed after): then the probe's `[ -r ]` and the SFTP open meet the real permission check.

import { execFileSync } from 'node:child_process';
import { appendFileSync, chmodSync, chownSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { hostFor } from '../integration/helpers';
import { onExitCleanup } from '../support/cleanup';
import { type Sshd, startSshd } from '../support/sshd';
import { FAULTY, HEALTHY, recs, remoteDir, withScene } from './files-support';
import { recordNotRun, recordPass, rssMb } from './table';

const USER = `vigilro${process.pid}`;

function tryUseradd(home: string): string | null {
  if (process.getuid?.() !== 0) return 'not root: cannot create the unprivileged remote user';
  try {
    // '*' (not the default '!') so sshd without PAM does not treat the account as locked.
    execFileSync('useradd', ['-r', '-M', '-d', home, '-s', '/bin/sh', '-p', '*', USER], { stdio: 'pipe' });
    return null;
  } catch (e) {
    return `useradd failed: ${(e as Error).message.split('\n')[0]}`;
  }
}

function userdel(): void {
  try {
    execFileSync('userdel', [USER], { stdio: 'pipe' });
  } catch {
    // already gone
  }
}

describe('remote file made unreadable', () => {
  let sshd: Sshd;
  let cannot: string | null = null;
  let unregister = () => {};
  let sshConfig = '';
  const alias = () => `${sshd.alias}-ro`;

  beforeAll(async () => {
    sshd = await startSshd();
    const home = mkdtempSync(path.join(os.tmpdir(), 'vigil-ro-home-'));
    cannot = tryUseradd(home);
    if (cannot) return;
    unregister = onExitCleanup(userdel);
    const uid = Number(execFileSync('id', ['-u', USER], { encoding: 'utf8' }).trim());
    chownSync(home, uid, uid);
    // sshd reads AuthorizedKeysFile as the user logging in.
    chmodSync(sshd.dir, 0o711);
    chmodSync(path.join(sshd.dir, 'authorized_keys'), 0o644);
    sshConfig = path.join(mkdtempSync(path.join(os.tmpdir(), 'vigil-ro-cfg-')), 'ssh_config');
    const base = readFileSync(sshd.sshConfigPath, 'utf8');
    writeFileSync(
      sshConfig,
      base.replace(`Host ${sshd.alias}`, `Host ${alias()}`).replace(/^(\s*)User .*$/m, `$1User ${USER}`),
    );
  });
  afterAll(async () => {
    await sshd?.stop();
    if (!cannot) userdel();
    unregister();
  });

  it('chmod 000: an error saying permission denied, the other worker untouched; chmod 644: resumes without a lost or doubled record', async (ctx) => {
    if (cannot) {
      recordNotRun(
        'remote file unreadable (chmod 000)',
        'permission-denied error, others untouched, resume when readable',
        `root ignores file modes and ${cannot}`,
      );
      ctx.skip();
      return;
    }
    const rss0 = rssMb();
    const dir = remoteDir('vigil-chaos-ro-');
    const file = path.join(dir, 'metrics.jsonl');
    writeFileSync(file, recs(1, 5));
    chmodSync(file, 0o644);
    await withScene(
      sshd,
      { metrics: 'metrics.jsonl', dir },
      {
        config: (healthyDir, faultyDir) => {
          const configFile = path.join(mkdtempSync(path.join(os.tmpdir(), 'vigil-ro-vcfg-')), 'config.yaml');
          writeFileSync(
            configFile,
            stringify({
              sshConfig,
              poll: '250ms',
              hosts: { [alias()]: hostFor() },
              workers: [
                { name: HEALTHY, host: alias(), dir: healthyDir, metrics: 'metrics.jsonl' },
                { name: FAULTY, host: alias(), dir: faultyDir, metrics: 'metrics.jsonl' },
              ],
            }),
          );
          return configFile;
        },
      },
      async (s) => {
        await s.waitFor((w) => w.records === 5, '5 records');
        chmodSync(file, 0o000);
        appendFileSync(file, recs(6, 7)); // root can still write it: the trainer goes on meanwhile
        const detect = await s.waitFor((w) => w.status === 'error', 'unreadable → error');
        const w = s.faulty();
        expect(w.reason).toContain(`not readable (permission denied): ${file}`);
        expect(w.records).toBe(5); // last values kept
        await s.checkHealthy();
        chmodSync(file, 0o644);
        const recover = await s.waitFor((x) => x.status === 'running' && x.records === 7, 'readable again');
        const after = s.faulty();
        expect(readFileSync(after.mirror!)).toEqual(readFileSync(file));
        recordPass({
          fault: 'remote file unreadable (chmod 000, unprivileged remote user)',
          expected: 'permission-denied error naming the file, others untouched, resume when readable',
          observed: `"${w.reason}"; 5 records kept; then 7/7, mirror = remote`,
          detectionMs: detect,
          recoveryMs: recover,
          recordsLost: 7 - after.records,
          recordsDuplicated: 0,
          rssBeforeMb: rss0,
        });
      },
    );
  });
});
