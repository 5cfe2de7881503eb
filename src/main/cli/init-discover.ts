// `vigil init`'s discovery, the pure half: the one remote script that lists candidate files and training
// processes under a folder (bounded in depth and count), the parser of its NUL-separated answer, and the
// ranking that turns what was found into one proposed worker per run directory. The SSH adapter
// (init-remote.ts) runs the script and reads the few small files whose content decides something.

import { posix } from 'node:path';
import { shQuote } from '../engine/ssh';

export interface FoundFile {
  /** Absolute remote path. */
  path: string;
  size: number;
  mtimeSec: number;
}

export interface FoundProcess {
  pid: number;
  /** Its working directory (/proc/PID/cwd), '' when unreadable (another user's process). */
  cwd: string;
  args: string;
}

export interface Discovery {
  files: FoundFile[];
  processes: FoundProcess[];
  /** The file listing hit its count bound: some files were not seen. */
  truncated: boolean;
}

export interface DiscoveryBounds {
  maxDepth: number;
  maxFiles: number;
  maxProcesses: number;
}

export const DISCOVERY_BOUNDS: Readonly<DiscoveryBounds> = { maxDepth: 5, maxFiles: 2000, maxProcesses: 50 };

/** Folders no training run writes its metrics in, and that can hold many thousands of files. */
const PRUNED = ['.git', 'node_modules', '__pycache__', '.venv', 'venv', 'site-packages', '.cache', 'wandb'];
const NAMES = [
  '*.jsonl',
  'metrics.json',
  '*.log.json',
  '*.csv',
  'events.out.tfevents.*',
  'trainer_state.json',
  '*.log',
  'log.txt',
  '*.pid',
];

/**
 * One `find` (GNU -printf) and one `ps`, each bounded: files as `F\0size\0mtime\0path\0`, then processes
 * as `P\0pid\0cwd\0args\0`. NUL ends every field, so a name holding a newline or a quote stays one field;
 * the folder is shell-quoted. `head -z` caps the listing (four fields a file).
 */
export function discoveryScript(root: string, bounds: DiscoveryBounds = DISCOVERY_BOUNDS): string {
  const prune = PRUNED.map((n) => `-name ${shQuote(n)}`).join(' -o ');
  const names = NAMES.map((n) => `-name ${shQuote(n)}`).join(' -o ');
  const fields = bounds.maxFiles * 4;
  return [
    `find ${shQuote(root)} -mindepth 1 -maxdepth ${bounds.maxDepth} \\( ${prune} \\) -prune -o -type f \\( ${names} \\) ` +
      `-printf 'F\\0%s\\0%T@\\0%p\\0' 2>/dev/null | head -z -n ${fields + 4}`,
    // Launchers (torchrun, accelerate, deepspeed) and python itself, running a train*.py script.
    `ps -eo pid=,args= 2>/dev/null | awk '$0 ~ /(python[0-9.]*|torchrun|accelerate|deepspeed) / && $0 ~ /train[^ \\/]*\\.py/' | ` +
      `head -n ${bounds.maxProcesses} | while read -r pid args; do ` +
      `cwd=$(readlink "/proc/$pid/cwd" 2>/dev/null); printf 'P\\0%s\\0%s\\0%s\\0' "$pid" "$cwd" "$args"; done`,
    'true',
  ].join('\n');
}

/** Reads the script's answer; anything malformed is skipped (a file vanished mid-listing, stray output). */
export function parseDiscovery(stdout: string, bounds: DiscoveryBounds = DISCOVERY_BOUNDS): Discovery {
  const f = stdout.split('\0');
  const files: FoundFile[] = [];
  const processes: FoundProcess[] = [];
  let truncated = false;
  for (let i = 0; i + 3 < f.length; ) {
    const tag = f[i]!.replace(/^[^FP]*/, ''); // stray text before a record (a login banner) is dropped
    if (tag === 'F') {
      const size = Number(f[i + 1]);
      const mtimeSec = Number(f[i + 2]);
      const p = f[i + 3]!;
      if (Number.isFinite(size) && Number.isFinite(mtimeSec) && p.startsWith('/')) {
        if (files.length < bounds.maxFiles) files.push({ path: p, size, mtimeSec });
        else truncated = true;
      }
      i += 4;
    } else if (tag === 'P') {
      const pid = Number(f[i + 1]);
      if (Number.isInteger(pid) && pid > 0) processes.push({ pid, cwd: f[i + 2]!, args: f[i + 3]! });
      i += 4;
    } else i += 1;
  }
  return { files, processes, truncated };
}

/** What a file is to Vigil, by how the frameworks lay their output out; higher ranks are preferred. */
export type CandidateKind =
  | 'jsonl'
  | 'lightning-csv'
  | 'tfevents'
  | 'trainer-state'
  | 'checkpoint-state'
  | 'log'
  | 'csv'
  | 'pid';

export const RANK: Record<CandidateKind, number> = {
  jsonl: 100, // metrics.jsonl: written for exactly this
  'lightning-csv': 95, // lightning_logs/version_N/metrics.csv
  tfevents: 85, // a folder of events.out.tfevents.*: followed as a run directory
  'trainer-state': 80, // output_dir/trainer_state.json (rewritten at each save)
  log: 70, // a text log, kept only when its lines parse as progress
  csv: 60, // another CSV (Keras CSVLogger, Ultralytics results.csv)
  // checkpoint-N/trainer_state.json never changes once written: a later checkpoint takes over, so as the
  // metrics it would soon look stalled. It still says the total epochs.
  'checkpoint-state': 40,
  pid: 0,
};

/** Kind of a listed file from its name and place, or null when Vigil would not read it. */
export function classify(file: string): CandidateKind | null {
  const base = posix.basename(file);
  const parent = posix.basename(posix.dirname(file));
  if (base.endsWith('.pid')) return 'pid';
  if (base.startsWith('events.out.tfevents.')) return 'tfevents';
  if (base === 'trainer_state.json')
    return /^checkpoint-\d+$/.test(parent) ? 'checkpoint-state' : 'trainer-state';
  if (base === 'metrics.csv' && /^version_\d+$/.test(parent)) return 'lightning-csv';
  if (base.endsWith('.csv')) return 'csv';
  if (base === 'metrics.jsonl' || base === 'metrics.json' || base.endsWith('.log.json')) return 'jsonl';
  if (base.endsWith('.jsonl')) return 'jsonl';
  if (base.endsWith('.log') || base === 'log.txt') return 'log';
  return null;
}

/**
 * Folders that frameworks put inside a run's own folder: the run is the first ancestor that is none of
 * these (Lightning's lightning_logs/version_N, HF's runs/<Mon01_12-00-00_host>, checkpoint-N, logs…).
 */
const CONTAINER =
  /^(version_\d+|lightning_logs|tb_logs|runs|logs?|results|metrics|tensorboard|tb|events|checkpoint-\d+|[A-Z][a-z]{2}\d{2}_\d{2}-\d{2}-\d{2}_.*)$/;

/** The run directory a file belongs to: its folder, minus framework containers, never above `root`. */
export function runDirOf(file: string, root: string): string {
  let dir = posix.dirname(file);
  while (dir !== root && dir.startsWith(`${root}/`) && CONTAINER.test(posix.basename(dir)))
    dir = posix.dirname(dir);
  return dir;
}

/** A worker name from a folder name: letters, digits, `.`, `_`, `-` (what logs, shells and folders take). */
export function workerName(dir: string, taken: Set<string>): string {
  const base =
    posix
      .basename(dir)
      .replace(/[^A-Za-z0-9._-]+/g, '-')
      .replace(/^[-.]+|-+$/g, '')
      .slice(0, 48) || 'run';
  let name = base;
  for (let n = 2; taken.has(name.toLowerCase()); n++) name = `${base}-${n}`;
  taken.add(name.toLowerCase());
  return name;
}

export interface Proposal {
  name: string;
  /** Absolute remote run directory. */
  dir: string;
  /** Relative to dir (a tfevents folder as `folder/events.out.tfevents.*`). */
  metrics: string;
  /** A format to force (see ContentFacts.progressLogs). */
  format?: string;
  kind: CandidateKind;
  log?: string;
  process?: { pidFile: string } | { match: string };
  totalEpochs?: number;
  /** Why this was chosen, for the prompt ("Lightning CSV, 2 other candidates"). */
  why: string;
}

/** Facts about file contents, read by the adapter: which logs hold progress, totals said by files. */
export interface ContentFacts {
  /**
   * Logs (absolute paths) whose lines Vigil parses as progress, with the format to force when detection
   * alone would not read them (a fresh log of two tqdm lines reads as CSV by its commas), else null.
   */
  progressLogs: Map<string, string | null>;
  /** Total epochs a file states (trainer_state.json num_train_epochs, "Epoch 3/50"), by absolute path. */
  totalEpochs: Map<string, number>;
}

const KIND_LABEL: Record<CandidateKind, string> = {
  jsonl: 'JSON lines',
  'lightning-csv': 'Lightning CSV',
  tfevents: 'TensorBoard events',
  'trainer-state': 'HF trainer_state.json',
  'checkpoint-state': 'HF trainer_state.json of the newest checkpoint',
  log: 'text log with progress lines',
  csv: 'CSV',
  pid: 'pid file',
};

const rel = (dir: string, p: string) => posix.relative(dir, p);

/** A `process.match` substring: the script and its first arguments, without glob characters. */
export function matchFor(args: string): string {
  const at = args.search(/\S*train[^ /]*\.py/);
  const from = at < 0 ? args : args.slice(at);
  return from
    .replace(/[*?[\]\\]/g, ' ')
    .replace(/\s+/g, ' ')
    .trim()
    .slice(0, 80);
}

/** The files worth a look at their content: logs (progress?) and the files that may state a total. */
export function filesToRead(found: Discovery): FoundFile[] {
  return found.files.filter((f) => {
    const k = classify(f.path);
    return k === 'log' || k === 'trainer-state' || k === 'checkpoint-state';
  });
}

/**
 * One proposal per run directory: its best-ranked metrics candidate (newest first among equals), a log
 * with progress lines beside it, a pid file or a training process working there, and the total epochs a
 * file states. Sorted by directory so the config reads like the tree.
 */
export function propose(
  root: string,
  found: Discovery,
  facts: ContentFacts,
  taken = new Set<string>(),
): Proposal[] {
  const byDir = new Map<string, { file: FoundFile; kind: CandidateKind }[]>();
  for (const file of found.files) {
    // A path with a line break or control character cannot be a config value (nor a probe's line).
    if (/[\u0000-\u001f\u007f]/.test(file.path)) continue;
    const kind = classify(file.path);
    if (kind === null) continue;
    if (kind === 'log' && !facts.progressLogs.has(file.path)) continue;
    const dir = runDirOf(file.path, root);
    byDir.set(dir, [...(byDir.get(dir) ?? []), { file, kind }]);
  }
  const out: Proposal[] = [];
  for (const dir of [...byDir.keys()].sort()) {
    const all = byDir.get(dir)!;
    const metrics = all
      .filter((c) => c.kind !== 'pid')
      .sort((a, b) => RANK[b.kind] - RANK[a.kind] || b.file.mtimeSec - a.file.mtimeSec);
    const best = metrics[0];
    if (!best) continue;
    const p: Proposal = {
      name: workerName(dir, taken),
      dir,
      metrics:
        best.kind === 'tfevents'
          ? posix.join(rel(dir, posix.dirname(best.file.path)), 'events.out.tfevents.*')
          : rel(dir, best.file.path),
      kind: best.kind,
      why: `${KIND_LABEL[best.kind]}${metrics.length > 1 ? `; ${metrics.length - 1} other candidate(s)` : ''}`,
    };
    const forced = facts.progressLogs.get(best.file.path);
    if (forced) p.format = forced;
    const log = metrics.find((c) => c.kind === 'log' && c !== best);
    if (log) p.log = rel(dir, log.file.path);
    const pid = all.filter((c) => c.kind === 'pid').sort((a, b) => b.file.mtimeSec - a.file.mtimeSec)[0];
    const proc = found.processes.find((x) => x.cwd !== '' && (x.cwd === dir || x.cwd.startsWith(`${dir}/`)));
    if (pid) p.process = { pidFile: rel(dir, pid.file.path) };
    else if (proc) p.process = { match: matchFor(proc.args) };
    const total = all.map((c) => facts.totalEpochs.get(c.file.path)).find((n) => n !== undefined);
    if (total !== undefined) p.totalEpochs = total;
    out.push(p);
  }
  return out;
}

/** Training processes whose folder got no proposal: said so, so a run without metrics is not missed silently. */
export function orphanProcesses(root: string, found: Discovery, proposals: Proposal[]): FoundProcess[] {
  return found.processes.filter(
    (x) =>
      (x.cwd === root || x.cwd.startsWith(`${root}/`)) &&
      !proposals.some((p) => x.cwd === p.dir || x.cwd.startsWith(`${p.dir}/`)),
  );
}

/** "num_train_epochs": 39 in (the tail of) a trainer_state.json, as HF writes it (keys sorted, so last). */
export function trainerStateEpochs(text: string): number | undefined {
  const m = /"num_train_epochs"\s*:\s*(\d+(?:\.\d+)?)/.exec(text);
  const n = m ? Math.ceil(Number(m[1])) : 0;
  return n > 0 ? n : undefined;
}

/** The total in the newest "Epoch 3/50" or "Epoch [3/50]" line of a log's tail. */
export function logEpochs(text: string): number | undefined {
  const all = [...text.matchAll(/\bepoch\s*\[?\s*\d+\s*\/\s*(\d+)/gi)];
  const n = all.length > 0 ? Number(all.at(-1)![1]) : 0;
  return n > 0 ? n : undefined;
}
