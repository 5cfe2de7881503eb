// `vigil init`'s config writing: the proposals as config.yaml text (added to an existing config when
// there is one, its comments kept), the line diff shown instead of overwriting, and the write itself,
// which never replaces a file unless asked (--force) and only writes what the real loader accepts.

import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Document, isMap, isSeq, parseDocument, type YAMLMap, type YAMLSeq } from 'yaml';
import { parseConfig } from '../engine/config';
import type { Proposal } from './init-discover';

export interface InitPlan {
  alias: string;
  /** --ssh-config, kept in the config so its aliases resolve later too. */
  sshConfig?: string;
  /** The remote $HOME: directories under it are written as ~/… (shorter, and what the user types). */
  home: string;
  proposals: Proposal[];
}

const tilde = (dir: string, home: string) =>
  dir === home ? '~' : dir.startsWith(`${home}/`) ? `~/${dir.slice(home.length + 1)}` : dir;

function workerNode(doc: Document, p: Proposal, alias: string, home: string) {
  const node = doc.createNode({
    name: p.name,
    host: alias,
    dir: tilde(p.dir, home),
    metrics: p.format ? { path: p.metrics, format: p.format } : p.metrics,
    ...(p.log ? { log: p.log } : {}),
    ...(p.process ? { process: p.process } : {}),
    ...(p.totalEpochs ? { totalEpochs: p.totalEpochs } : {}),
  }) as YAMLMap;
  for (const key of ['process', 'metrics']) {
    const inner = node.get(key, true);
    if (inner && isMap(inner)) inner.flow = true;
  }
  return node;
}

/**
 * The config with the plan in it. An existing config that parses as a mapping gets the host and the
 * workers it lacks (a run already watched, same host and dir, is not added twice); anything else is
 * replaced by a fresh file, which the diff then shows in full.
 */
export function configText(existing: string | null, plan: InitPlan, now = new Date()): string {
  let doc: Document | null = null;
  if (existing !== null) {
    const d = parseDocument(existing);
    if (d.errors.length === 0 && isMap(d.contents)) doc = d;
  }
  if (!doc) {
    doc = new Document({});
    doc.commentBefore = ` Written by \`vigil init\` on ${now.toISOString().slice(0, 10)}. Check it with \`vigil doctor\`.`;
  }
  if (plan.sshConfig) doc.set('sshConfig', plan.sshConfig);
  let hosts = doc.get('hosts', true);
  if (!isMap(hosts)) {
    hosts = doc.createNode({}) as YAMLMap;
    doc.set('hosts', hosts);
  }
  const hostMap = hosts as YAMLMap;
  if (!hostMap.has(plan.alias)) hostMap.set(plan.alias, doc.createNode({}));
  let workers = doc.get('workers', true);
  if (!isSeq(workers)) {
    workers = doc.createNode([]) as YAMLSeq;
    doc.set('workers', workers);
  }
  const seq = workers as YAMLSeq;
  const present = (seq.toJSON() as unknown[]).filter(
    (w): w is { host?: unknown; dir?: unknown } => typeof w === 'object' && w !== null,
  );
  for (const p of plan.proposals) {
    const dir = tilde(p.dir, plan.home);
    if (present.some((w) => w.host === plan.alias && (w.dir === dir || w.dir === p.dir))) continue;
    seq.add(workerNode(doc, p, plan.alias, plan.home));
  }
  return doc.toString({ lineWidth: 0 });
}

/** Names of the workers an existing config already has (new names must differ, case aside). */
export function existingNames(existing: string | null): Set<string> {
  const names = new Set<string>();
  if (existing === null) return names;
  const d = parseDocument(existing);
  const workers = d.errors.length === 0 ? d.toJS()?.workers : null;
  if (Array.isArray(workers))
    for (const w of workers) if (typeof w?.name === 'string') names.add(w.name.toLowerCase());
  return names;
}

/** A unified-style line diff (LCS; configs are small), changed lines with two lines of context. */
export function lineDiff(before: string, after: string, context = 2): string[] {
  const a = before.split('\n');
  const b = after.split('\n');
  const lcs: number[][] = Array.from({ length: a.length + 1 }, () => new Array(b.length + 1).fill(0));
  for (let i = a.length - 1; i >= 0; i--)
    for (let j = b.length - 1; j >= 0; j--)
      lcs[i]![j] = a[i] === b[j] ? lcs[i + 1]![j + 1]! + 1 : Math.max(lcs[i + 1]![j]!, lcs[i]![j + 1]!);
  const ops: { op: ' ' | '-' | '+'; line: string }[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    if (i < a.length && j < b.length && a[i] === b[j]) {
      ops.push({ op: ' ', line: a[i]! });
      i++;
      j++;
    } else if (j < b.length && (i === a.length || lcs[i]![j + 1]! > lcs[i + 1]![j]!))
      ops.push({ op: '+', line: b[j++]! });
    else ops.push({ op: '-', line: a[i++]! });
  }
  const keep = ops.map(
    (o, k) => o.op !== ' ' || ops.slice(Math.max(0, k - context), k + context + 1).some((x) => x.op !== ' '),
  );
  const out: string[] = [];
  if (ops.every((o) => o.op === ' ')) return out;
  ops.forEach((o, k) => {
    if (keep[k]) out.push(`${o.op} ${o.line}`);
    else if (k === 0 || keep[k - 1]) out.push('  …'); // once per elided run
  });
  return out;
}

/** Throws the loader's own ConfigError when the text would not load: nothing unloadable is ever written. */
export function checkLoads(text: string, file: string): void {
  parseConfig(text, path.resolve(file));
}

/** Writes the config; `exclusive` fails (EEXIST) rather than replace a file that appeared meanwhile. */
export function writeConfigFile(file: string, text: string, exclusive: boolean): void {
  mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  writeFileSync(file, text, { flag: exclusive ? 'wx' : 'w' });
}
