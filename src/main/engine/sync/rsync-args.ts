// What one sync rule asks of rsync: the remote source, the local destination and the argument lists.
// Pure: decisions only, tested without running anything.
//
// Files that only grow (logs, metrics, TensorBoard event files) and everything else need different
// write strategies, and rsync cannot do both in one run (--inplace conflicts with --partial-dir):
//
// - Growing files are pulled with --inplace. By default rsync writes a new copy and renames it over the
//   old one; a local TensorBoard holds the old file open at its read offset and never sees the new data
//   (tensorboard issue 349: files replaced by rename are not re-read). --inplace keeps the inode: the
//   delta algorithm matches the unchanged prefix, only the appended tail crosses the wire and is
//   written, and the reader simply sees the file grow. --append-verify was considered and rejected: it
//   skips any file whose remote copy is not longer than the local one, so a log restarted by a new run
//   (truncated, then shorter) would silently stay stale; plain --inplace mirrors that case correctly at
//   the same cost (the sender reads the whole file either way, to checksum it).
// - Everything else (checkpoints, results, images) is pulled with --partial-dir: a new version is built
//   aside and renamed into place only when complete, so an interrupted sync never leaves a torn
//   checkpoint where a good one was, and the partial data is kept there to resume from next time.
//
// So a rule runs as up to two passes over the same ssh connection (ControlMaster: the second one costs a
// channel, not a handshake): a growing pass limited to the names below, then an atomic pass without
// them. A rule whose `include` patterns all name growing files (or none does) needs only one pass.
// Never --delete: the laptop keeps what the box lost.
//
// Older and smaller rsyncs (rsync-flavour.ts) get the common subset: without -s the remote path is
// quoted here for the remote shell; without --info=progress2 the per-file --progress is read (and
// --stats gives the byte count); without --inplace and --partial-dir there is nothing to split, so one
// pass with --partial. The argument lists for each flavour are in rsync-args.test.ts, and the ones for
// openrsync run against the real openrsync in test/integration/openrsync.test.ts.

import path from 'node:path';
import type { SyncRuleConfig } from '../config';
import { safeSegment, workerFolders } from '../config';
import { joinRemote, RemotePathError, shQuote } from '../ssh';
import type { RsyncCaps } from './rsync-flavour';

/** Names of files that only grow while a run writes them. rsync patterns (match the file name). */
export const GROWING_PATTERNS = [
  'events.out.tfevents.*',
  '*.log',
  '*.jsonl',
  '*.csv',
  '*.txt',
  '*.out',
  '*.err',
] as const;

export const PARTIAL_DIR = '.vigil-partial';

export type PassKind = 'growing' | 'atomic';

export interface RsyncPass {
  kind: PassKind;
  /** Everything after `rsync` (ends with `--`, the source and the destination). */
  args: string[];
}

export interface RsyncPlan {
  /** The remote path as rsync's server sees it (relative paths start in the remote home). */
  remote: string;
  /** The local destination folder. */
  to: string;
  passes: RsyncPass[];
}

export interface PlanInput {
  rule: SyncRuleConfig;
  worker: string;
  /** Where the rule writes (destinationOf with the config's folders); absent: worked out from `worker`. */
  to?: string;
  /** The worker's `dir` as configured (may start with `~`). */
  workerDir: string;
  dataDir: string;
  /** The -e string (rshString of the ssh command). */
  rsh: string;
  /** The destination before `:` (alias or host). */
  target: string;
  /** rsync's own --timeout, seconds. */
  timeoutSec: number;
  /** What the local rsync can do (capsOf its flavour). */
  caps: RsyncCaps;
}

/** Does this rsync pattern name only growing files? (Its last segment ends like one of them.) */
export function isGrowingPattern(pattern: string): boolean {
  const last = pattern.replace(/\/+$/, '').split('/').pop() ?? '';
  if (last.includes('tfevents')) return true;
  return GROWING_PATTERNS.some((g) => g.startsWith('*') && last.endsWith(g.slice(1)));
}

const MATCH_ALL = new Set(['*', '**', '***']);

/**
 * The remote path for rsync. rsync's server starts in the remote home (ssh runs commands there), so
 * `~/x` becomes `x` and `~` becomes `.`: no shell ever has to expand a tilde. A relative path that
 * starts with "-" gets "./" so it cannot be read as an option. A trailing "/" (copy the folder's
 * contents) is kept.
 */
export function remoteSource(workerDir: string, from: string): string {
  let p = joinRemote(workerDir, from);
  if (p === '~') p = '.';
  else if (p.startsWith('~/')) p = p.slice(2) || '.';
  else if (p.startsWith('~')) {
    throw new RemotePathError(`remote path ${JSON.stringify(p)}: ~user paths are not supported`);
  }
  if (p.startsWith('-')) p = `./${p}`;
  const contents = from.endsWith('/') || from === '.' || p === '.';
  return contents && !p.endsWith('/') ? `${p}/` : p;
}

/**
 * The default local destination: `<dataDir>/sync/<folder>/<from>`: the worker's folder (the one its
 * mirror has, see config/folder-names.ts), then each segment of `from` made a safe folder name.
 * For `from: results/` the contents land in …/results/; for `from: results` rsync creates `results`
 * inside the destination, so the destination is its parent (the same folder either way).
 */
export function defaultDestination(dataDir: string, folder: string, from: string): string {
  const segments = from
    .split('/')
    .filter((s) => s !== '' && s !== '.' && s !== '~')
    .map(safeSegment);
  const base = path.join(dataDir, 'sync', folder);
  if (from.endsWith('/') || segments.length === 0) return path.join(base, ...segments);
  return path.join(base, ...segments.slice(0, -1));
}

/**
 * The destination folder a rule writes into (configured `to`, else the default). `folder`: the worker's
 * local folder among all the config's workers (workerFolders); alone, its name decides it.
 */
export function destinationOf(
  rule: SyncRuleConfig,
  worker: string,
  dataDir: string,
  folder = workerFolders([worker]).get(worker)!,
): string {
  const to = rule.to ?? defaultDestination(dataDir, folder, rule.from);
  return to.length > 1 && to.endsWith('/') ? to.slice(0, -1) : to;
}

/** Which passes a rule needs and the include patterns of each (null: no include filter). */
export function splitIncludes(
  include: readonly string[] | undefined,
): { kind: PassKind; include: string[] | null }[] {
  const inc = (include ?? []).filter((p) => !MATCH_ALL.has(p));
  if (inc.length === 0) {
    return [
      { kind: 'growing', include: [...GROWING_PATTERNS] },
      { kind: 'atomic', include: null },
    ];
  }
  const growing = inc.filter(isGrowingPattern);
  const other = inc.filter((p) => !isGrowingPattern(p));
  const passes: { kind: PassKind; include: string[] | null }[] = [];
  if (growing.length > 0) passes.push({ kind: 'growing', include: growing });
  if (other.length > 0) passes.push({ kind: 'atomic', include: other });
  return passes;
}

export function planRsync(input: PlanInput): RsyncPlan {
  const { rule, caps } = input;
  const remote = remoteSource(input.workerDir, rule.from);
  const to = input.to ?? destinationOf(rule, input.worker, input.dataDir);
  const common = ['-a'];
  // Secluded args: paths and options travel inside the rsync protocol, never through the remote
  // shell's command line, so `a b;$(touch PWNED)'c` stays a name. (rsync ≥ 3.2.4 also backslash-
  // escapes by default, but an RSYNC_OLD_ARGS in the environment would turn that off; -s wins, and the
  // runner clears both variables anyway.) Without -s the path is quoted below instead.
  if (caps.protectArgs) common.push('-s');
  // The whole file list first: progress2's percentage is then of the real total.
  if (caps.noIncRecursive) common.push('--no-inc-recursive');
  if (caps.infoProgress2) {
    common.push('--info=progress2,stats1,flist2'); // flist2: "N files..." while a big tree is listed
  } else {
    common.push('--progress', '--stats');
  }
  common.push(`--timeout=${Math.max(1, Math.round(input.timeoutSec))}`, '-e', input.rsh);
  if (rule.bwlimit) common.push(`--bwlimit=${rule.bwlimit}`);
  // Without -s the remote shell reads the path: one sh word, quoted.
  const source = `${input.target}:${caps.protectArgs ? remote : shQuote(remote)}`;

  const split = caps.inplace && caps.partialDir;
  const kinds = split
    ? splitIncludes(rule.include)
    : [{ kind: 'atomic' as const, include: onlyThese(rule.include) }];
  const passes: RsyncPass[] = kinds.map(({ kind, include }) => {
    const args = [...common];
    if (kind === 'growing') args.push('--inplace');
    else args.push(caps.partialDir ? `--partial-dir=${PARTIAL_DIR}` : '--partial');
    // Never send (or descend into) a partial-dir that exists on the remote side.
    args.push(`--exclude=${PARTIAL_DIR}/`);
    for (const p of rule.exclude ?? []) args.push(`--exclude=${p}`);
    if (split && kind === 'atomic' && include === null) {
      // The growing pass took these.
      for (const p of GROWING_PATTERNS) args.push(`--exclude=${p}`);
    }
    if (include !== null) {
      // `include` means "only these": every folder is walked, matching files kept, the rest left,
      // and folders that end up empty are not created (where rsync can prune them).
      if (caps.pruneEmptyDirs) args.push('--prune-empty-dirs');
      args.push('--include=*/');
      for (const p of include) args.push(`--include=${p}`);
      args.push('--exclude=*');
    }
    args.push('--', source, `${to}/`);
    return { kind, args };
  });
  return { remote, to, passes };
}

/** The rule's `include` as a filter list, null when it lets everything through. */
function onlyThese(include: readonly string[] | undefined): string[] | null {
  const inc = (include ?? []).filter((p) => !MATCH_ALL.has(p));
  return inc.length > 0 ? inc : null;
}

/** Environment for rsync: a stable number format, and no variable that weakens argument protection. */
export function rsyncEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const out: NodeJS.ProcessEnv = { ...env, LC_ALL: 'C' };
  delete out.RSYNC_OLD_ARGS;
  delete out.RSYNC_PROTECT_ARGS;
  delete out.RSYNC_RSH;
  return out;
}
