// Rules that look across the file, run on the raw parsed YAML so they are reported even when other
// fields are wrong (zod skips refinements of an object that has errors inside it).

import type { ConfigPath } from './errors';
import { workerFolders } from './folder-names';
import { controlCharProblem } from './schema';
import { didYouMean } from './suggest';

export interface RawIssue {
  path: ConfigPath;
  message: string;
  /** Point at the key rather than its value (e.g. a bad host name). */
  at?: 'key' | 'value';
}

/** Workers one host may have (LIMITS in load.ts takes it from here: load imports this file). */
export const WORKERS_PER_HOST = 1000;

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

export function crossCheck(raw: unknown): RawIssue[] {
  if (raw === null || raw === undefined) return [noWorkers([])];
  if (!isRecord(raw)) return []; // the schema reports "must be a mapping"
  const issues: RawIssue[] = [];
  const hosts = isRecord(raw.hosts) ? raw.hosts : undefined;
  if (hosts) issues.push(...checkHostNames(hosts));
  if (isRecord(raw.alerts) && Array.isArray(raw.alerts.notify))
    issues.push(...checkTargets(raw.alerts.notify));

  const workers = raw.workers;
  if (workers === undefined || workers === null || (Array.isArray(workers) && workers.length === 0)) {
    issues.push(noWorkers('workers' in raw ? ['workers'] : []));
    return issues;
  }
  if (!Array.isArray(workers)) return issues;

  const names = workers.flatMap((w) => (isRecord(w) && typeof w.name === 'string' ? [w.name] : []));
  issues.push(...folderIssues(workers, names));

  const firstByName = new Map<string, number>();
  const perHost = new Map<string, number>();
  workers.forEach((worker, i) => {
    if (!isRecord(worker)) return;
    const { name, host } = worker;
    if (typeof host === 'string') {
      const n = (perHost.get(host) ?? 0) + 1;
      perHost.set(host, n);
      if (n === WORKERS_PER_HOST + 1)
        issues.push({
          path: ['workers', i, 'host'],
          message: `host "${host}" has more than ${WORKERS_PER_HOST.toLocaleString('en')} workers: Vigil watches at most ${WORKERS_PER_HOST.toLocaleString('en')} per host`,
        });
    }
    if (typeof name === 'string' && name !== '') {
      const first = firstByName.get(name);
      if (first === undefined) firstByName.set(name, i);
      else
        issues.push({
          path: ['workers', i, 'name'],
          message: `duplicate worker name "${name}" (also workers[${first}])`,
        });
    }
    if (typeof host === 'string' && host !== '' && !(hosts && Object.hasOwn(hosts, host))) {
      issues.push({ path: ['workers', i, 'host'], message: unknownHost(host, hosts) });
    }
    if (isRecord(worker.process)) {
      const problem = processProblem(worker.process);
      if (problem) issues.push({ path: ['workers', i, 'process'], message: problem });
    }
  });
  return issues;
}

/** Two workers whose local folders would be one (only a hash collision can do it now): refused. */
function folderIssues(workers: unknown[], names: string[]): RawIssue[] {
  try {
    workerFolders([...new Set(names)]);
    return [];
  } catch (e) {
    const message = (e as Error).message;
    const at = workers.findIndex(
      (w) => isRecord(w) && typeof w.name === 'string' && message.includes(`"${w.name}"`),
    );
    return [{ path: ['workers', Math.max(0, at), 'name'], message }];
  }
}

/** A process is found by a pid file or by a command-line pattern: one of the two. */
function processProblem(process: Record<string, unknown>): string | undefined {
  const has = (key: string) => process[key] !== undefined;
  if (has('pidFile') && has('match')) return 'give either "pidFile" or "match", not both';
  // Other keys present: a misspelling ("pidfile"), which the unknown-key message already explains.
  if (!has('pidFile') && !has('match') && Object.keys(process).length === 0) {
    return 'needs "pidFile" (a file holding the PID) or "match" (a pattern of the command line)';
  }
  return undefined;
}

const TARGET_TYPES = ['ntfy', 'slack', 'webhook', 'command'];

/** Each `notify:` entry is one target: exactly one of its types. */
function checkTargets(targets: unknown[]): RawIssue[] {
  const issues: RawIssue[] = [];
  targets.forEach((t, i) => {
    if (!isRecord(t)) return; // the schema says what a target looks like
    const types = TARGET_TYPES.filter((k) => t[k] !== undefined);
    const path = ['alerts', 'notify', i];
    if (types.length > 1)
      issues.push({ path, message: `one target per entry: give ${types.join(' or ')}, not both` });
    // Other keys present and no type: a misspelling ("ntfi"), which the unknown-key message explains.
    else if (types.length === 0 && Object.keys(t).every((k) => k === 'kinds' || k === 'name'))
      issues.push({ path, message: `needs one of ${TARGET_TYPES.join(', ')}` });
    if (isRecord(t.slack) && Object.keys(t.slack).length === 0)
      issues.push({
        path: [...path, 'slack'],
        message:
          'needs "webhookFile" (a file holding the webhook URL) or "webhookEnv" (a variable holding it)',
      });
  });
  return issues;
}

function noWorkers(path: ConfigPath): RawIssue {
  return {
    path,
    message:
      'no workers configured — add a "workers:" list of { name, host, dir, metrics } (see the example in the README)',
  };
}

function unknownHost(host: string, hosts: Record<string, unknown> | undefined): string {
  const names = hosts ? Object.keys(hosts) : [];
  if (names.length === 0)
    return `unknown host "${host}": no hosts are defined — add "hosts:" with "${host}: {}"`;
  const guess = didYouMean(host, names);
  if (guess) return `unknown host "${host}" — did you mean "${guess}"?`;
  return `unknown host "${host}": define it under "hosts:" (defined: ${names.join(', ')})`;
}

/** Host names become ssh arguments (`ssh -G <name>`): one plain word that cannot pass for an option. */
function checkHostNames(hosts: Record<string, unknown>): RawIssue[] {
  const issues: RawIssue[] = [];
  for (const name of Object.keys(hosts)) {
    const path = ['hosts', name];
    const control = controlCharProblem(name);
    if (name === '') issues.push({ path, at: 'key', message: 'host name must not be empty' });
    else if (control) issues.push({ path, at: 'key', message: `host name ${control}` });
    else if (/\s/.test(name))
      issues.push({ path, at: 'key', message: `host name "${name}" must not contain spaces` });
    else if (name.startsWith('-'))
      issues.push({ path, at: 'key', message: `host name "${name}" must not start with "-"` });
  }
  return issues;
}
