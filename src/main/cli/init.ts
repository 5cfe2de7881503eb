// `vigil init [HOST[:DIR]]`: a first config without writing YAML by hand. Lists the ssh config's hosts,
// connects to one (host key verified, as the engine does), walks a folder for what Vigil reads, proposes
// one worker per run directory, asks (in a terminal) or takes them all (--yes), and writes a config that
// the real loader accepts. An existing config is never replaced unless --force: the diff is printed.
// Exit codes: 0 written (or nothing to add), 1 a problem (cannot connect, nothing found, config exists),
// 2 usage (no host given where none can be asked, no terminal to confirm in).

import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';
import { isMap, parseDocument } from 'yaml';
import { plainHostNames, sshHostLines } from '../engine/config';
import type { SshSession } from '../engine/ssh';
import { checkLoads, configText, existingNames, lineDiff, writeConfigFile } from './init-config';
import { DISCOVERY_BOUNDS, orphanProcesses, type Proposal, propose } from './init-discover';
import { type Ask, chooseDir, chooseHost, confirmProposals, readlineAsk } from './init-prompt';
import { connectHost, InitError, walkRemote } from './init-remote';

export interface InitOptions {
  /** HOST or HOST:DIR as typed. */
  target?: string;
  sshConfig?: string;
  configPath: string;
  /** --config was given: the "Next:" commands repeat it. */
  configGiven?: boolean;
  yes: boolean;
  force: boolean;
}

export interface InitDeps {
  /** Whether to ask (default: stdin and stdout are terminals and --yes was not given). */
  interactive?: boolean;
  ask?: () => Ask;
  connect?: (alias: string, sshConfig: string | undefined) => Promise<SshSession>;
}

type Print = (s: string) => void;

/** "ec2:~/runs" → host and folder; the folder is everything after the first colon. */
export function parseTarget(target: string | undefined): { host?: string; dir?: string } {
  if (!target) return {};
  const at = target.indexOf(':');
  const host = at < 0 ? target : target.slice(0, at);
  const dir = at < 0 ? undefined : target.slice(at + 1) || undefined;
  return { ...(host ? { host } : {}), ...(dir ? { dir } : {}) };
}

function proposalText(p: Proposal): string {
  const bits = [`metrics ${p.metrics} (${p.why})`];
  if (p.log) bits.push(`log ${p.log}`);
  if (p.process)
    bits.push('pidFile' in p.process ? `pid file ${p.process.pidFile}` : `process "${p.process.match}"`);
  if (p.totalEpochs) bits.push(`${p.totalEpochs} epochs`);
  return `  ${p.name}: ${p.dir}\n      ${bits.join(' · ')}`;
}

export async function runInit(
  opts: InitOptions,
  out: Print,
  err: Print,
  deps: InitDeps = {},
): Promise<number> {
  const interactive =
    deps.interactive ?? (!opts.yes && process.stdin.isTTY === true && process.stdout.isTTY === true);
  const sshConfig = opts.sshConfig ? path.resolve(opts.sshConfig) : undefined;
  if (sshConfig && !existsSync(sshConfig)) {
    err(`vigil init: ${sshConfig} does not exist (--ssh-config names an ssh config file)`);
    return 2;
  }
  const existing = existsSync(opts.configPath) ? readFileSync(opts.configPath, 'utf8') : null;
  // Adding a host to a config that names its own ssh config: its aliases live there.
  const sshUsed = sshConfig ?? sshConfigOf(existing, opts.configPath);
  const sshFile = sshUsed ?? path.join(homedir(), '.ssh', 'config');
  const hosts = plainHostNames(await sshHostLines(sshFile, homedir()));
  let { host, dir } = parseTarget(opts.target);
  if (host?.startsWith('-')) {
    err(`vigil init: "${host}" is not a host name`);
    return 2;
  }
  const ask = interactive ? (deps.ask ?? readlineAsk)() : null;
  try {
    if (!host) {
      if (ask && hosts.length > 0) {
        out(`Hosts in ${sshFile}:`);
        host = await chooseHost(ask, hosts);
      } else if (hosts.length === 1) host = hosts[0]!;
      else {
        err(
          hosts.length === 0
            ? `vigil init: no Host entries in ${sshFile}: give the host, as in \`vigil init ec2:~/runs\` (an alias from your ssh config, or user@machine set up there first)`
            : `vigil init: which host? Give one: \`vigil init HOST:DIR\` (hosts in ${sshFile}: ${hosts.slice(0, 12).join(', ')}${hosts.length > 12 ? ', …' : ''})`,
        );
        return 2;
      }
    }
    if (!dir) dir = ask ? await chooseDir(ask) : '~';

    out(`Connecting to ${host}…`);
    let session: SshSession;
    let proposals: Proposal[];
    let home: string;
    try {
      session = await (deps.connect ?? connectHost)(host, sshUsed);
    } catch (e) {
      return problem(e, err);
    }
    try {
      home = session.home;
      const walked = await walkRemote(session, dir);
      out(
        `Looked in ${walked.root} (${DISCOVERY_BOUNDS.maxDepth} levels deep): ${walked.found.files.length} file(s), ${walked.found.processes.length} training process(es).`,
      );
      if (walked.found.truncated)
        out(
          `  (more than ${DISCOVERY_BOUNDS.maxFiles} files: only the first were looked at; give a narrower folder to see the rest)`,
        );
      proposals = propose(walked.root, walked.found, walked.facts, existingNames(existing));
      for (const x of orphanProcesses(walked.root, walked.found, proposals))
        out(
          `  note: pid ${x.pid} (${x.args.slice(0, 60)}) runs in ${x.cwd}, where no metrics file was found`,
        );
      if (proposals.length === 0) {
        err(
          `vigil init: nothing Vigil reads under ${walked.root} on ${host} (metrics.jsonl, lightning_logs/version_N/metrics.csv, events.out.tfevents.*, trainer_state.json, a log with progress lines).`,
        );
        err(
          '  Give the folder your runs write to (`vigil init HOST:DIR`), or write the config by hand (README, Configure).',
        );
        return 1;
      }
    } catch (e) {
      return problem(e, err);
    } finally {
      session.close();
    }

    out(`Found ${proposals.length} run(s):`);
    for (const p of proposals) out(proposalText(p));
    if (ask) {
      proposals = await confirmProposals(ask, proposals, existingNames(existing));
      if (proposals.length === 0) {
        err('vigil init: no worker chosen; nothing written');
        return 1;
      }
    } else if (!opts.yes) {
      err('vigil init: no terminal to confirm in: run again with --yes to write these');
      return 2;
    }

    const text = configText(existing, { alias: host, sshConfig, home, proposals });
    try {
      checkLoads(text, opts.configPath);
    } catch (e) {
      err(
        `vigil init: the config it would write does not load (a bug; please report it):\n${(e as Error).message}`,
      );
      return 1;
    }
    if (existing !== null) {
      if (text === existing) {
        out(`${opts.configPath} already watches these runs: nothing to add.`);
        return 0;
      }
      if (!opts.force) {
        out(`${opts.configPath} exists; what vigil init would change:`);
        for (const l of lineDiff(existing, text)) out(l);
        err(
          `vigil init: ${opts.configPath} exists and was left as it is. Run again with --force to write the changes above, or --config OTHER_FILE.`,
        );
        return 1;
      }
    }
    writeConfigFile(opts.configPath, text, existing === null);
    const cfg = opts.configGiven ? ` --config ${opts.configPath}` : '';
    out(`Wrote ${opts.configPath}: ${proposals.length} worker(s) on ${host}.`);
    out(
      `Next: vigil doctor${cfg} checks every step; vigil status${cfg} shows them; the app picks it up on reload.`,
    );
    return 0;
  } finally {
    ask?.close();
  }
}

/** The `sshConfig:` of an existing config, as the loader resolves it (~ and relative to the file). */
export function sshConfigOf(existing: string | null, configPath: string): string | undefined {
  if (existing === null) return undefined;
  const doc = parseDocument(existing);
  const v = doc.errors.length === 0 && isMap(doc.contents) ? doc.get('sshConfig') : undefined;
  if (typeof v !== 'string' || v === '') return undefined;
  if (v === '~' || v.startsWith('~/')) return path.join(homedir(), v.slice(1));
  return path.resolve(path.dirname(path.resolve(configPath)), v);
}

function problem(e: unknown, err: Print): number {
  if (e instanceof InitError) {
    err(`vigil init: ${e.message}`);
    if (e.fix) err(`  fix: ${e.fix}`);
    return 1;
  }
  err(`vigil init: ${(e as Error).message}`);
  return 1;
}
