// Reads config.yaml into a VigilConfig, or throws one ConfigError listing every problem with its file,
// line, column and key — a user fixing a config should see all of it at once, not one error per run.

import { readFileSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, resolve } from 'node:path';
import { LineCounter, parseDocument, type YAMLError } from 'yaml';
import { crossCheck, type RawIssue, WORKERS_PER_HOST } from './cross-checks';
import { minimalExample } from './default-path';
import { ConfigError, type ConfigIssue, formatPath } from './errors';
import { locate } from './locate';
import { type AllowedKeys, makeErrorMap, pathKey } from './messages';
import { configSchema } from './schema';
import { didYouMean } from './suggest';
import type { VigilConfig } from './types';

/**
 * What one Vigil watches at most (README, Limits). A config of 134,815 workers took 120 s and 2.6 GB
 * before it was refused for anything; these are refused at once, with the numbers.
 */
export const LIMITS = { workers: 2000, workersPerHost: WORKERS_PER_HOST, configBytes: 4 << 20 } as const;

export interface ParseOptions {
  /** Home directory for `~` in local paths (default: the user's). */
  home?: string;
}

/** Reads and validates a config file. Throws ConfigError, also when the file is missing or unreadable. */
export function loadConfig(file: string, opts: ParseOptions = {}): VigilConfig {
  let text: string;
  try {
    const size = statSync(file).size;
    if (size > LIMITS.configBytes) {
      throw new ConfigError([
        {
          file,
          path: '',
          message: `the config is ${(size / 2 ** 20).toFixed(1)} MiB: Vigil reads configs of at most ${LIMITS.configBytes / 2 ** 20} MiB (${LIMITS.workers.toLocaleString('en')} workers at most); split it`,
        },
      ]);
    }
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if (err instanceof ConfigError) throw err;
    throw new ConfigError([
      { file, path: '', message: unreadableMessage(file, err as NodeJS.ErrnoException) },
    ]);
  }
  return parseConfig(text, file, opts);
}

/** Validates config text; `file` names it in messages and anchors relative local paths. */
export function parseConfig(text: string, file: string, opts: ParseOptions = {}): VigilConfig {
  const lines = new LineCounter();
  // prettyErrors off: we add the position ourselves, in the same format as every other message.
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) {
    throw new ConfigError(doc.errors.map((err) => syntaxIssue(file, lines, err)));
  }

  let raw: unknown;
  try {
    raw = doc.toJS({ maxAliasCount: 1000 });
  } catch (err) {
    // Only an alias bomb gets here (aliases expanding into millions of nodes).
    throw new ConfigError([{ file, line: 1, column: 1, path: '', message: (err as Error).message }]);
  }

  if (raw === null || raw === undefined) {
    // Empty or comments only: the one thing to say is what is missing.
    const { message } = crossCheck(raw)[0]!;
    throw new ConfigError([{ file, line: 1, column: 1, path: '', message }]);
  }
  const workers = (raw as { workers?: unknown }).workers;
  if (Array.isArray(workers) && workers.length > LIMITS.workers) {
    // Before any other check: validating a config far past the limit is what took minutes.
    const where = locate(doc, lines, ['workers'], 'key');
    throw new ConfigError([
      {
        file,
        line: where.line,
        column: where.column,
        path: 'workers',
        message: `${workers.length.toLocaleString('en')} workers: Vigil watches at most ${LIMITS.workers.toLocaleString('en')} (and ${LIMITS.workersPerHost.toLocaleString('en')} per host); split the config across machines or Vigil instances`,
      },
    ]);
  }

  const absolute = resolve(file);
  const allowed: AllowedKeys = new Map();
  const result = configSchema({ home: opts.home ?? homedir(), baseDir: dirname(absolute) }).safeParse(raw, {
    error: makeErrorMap(allowed),
    reportInput: true,
  });

  const issues: RawIssue[] = crossCheck(raw);
  for (const issue of result.error?.issues ?? []) {
    if (issue.code === 'unrecognized_keys') {
      const keys = allowed.get(pathKey(issue.path)) ?? [];
      for (const key of issue.keys) {
        issues.push({ path: [...issue.path.map(toSegment), key], at: 'key', message: unknownKey(key, keys) });
      }
    } else {
      issues.push({ path: issue.path.map(toSegment), message: issue.message });
    }
  }

  if (issues.length > 0 || !result.success) {
    const located = issues.map((issue): ConfigIssue => {
      const where = locate(doc, lines, issue.path, issue.at);
      return {
        file,
        line: where.line,
        column: where.column,
        path: formatPath(where.path),
        message: issue.message,
      };
    });
    throw new ConfigError(dedupe(located).sort(byPosition));
  }
  return { file: absolute, ...result.data };
}

const toSegment = (seg: PropertyKey): string | number => (typeof seg === 'number' ? seg : String(seg));

function unknownKey(key: string, allowed: string[]): string {
  // `token: …` beside `tokenFile`: the value is a secret, which the config never holds.
  const secret = allowed.includes(`${key}File`)
    ? key
    : allowed.includes('webhookFile') && (key === 'url' || key === 'webhookUrl')
      ? 'webhook'
      : undefined;
  if (secret)
    return `unknown key "${key}": secrets are never written in the config — give "${secret}File" (a file holding it) or "${secret}Env" (an environment variable holding it)`;
  const guess = didYouMean(key, allowed);
  if (guess) return `unknown key "${key}" — did you mean "${guess}"?`;
  return allowed.length > 0
    ? `unknown key "${key}" (allowed here: ${allowed.join(', ')})`
    : `unknown key "${key}"`;
}

function syntaxIssue(file: string, lines: LineCounter, err: YAMLError): ConfigIssue {
  const { line, col } = lines.linePos(err.pos[0]);
  return { file, line, column: col, path: '', message: `YAML syntax error: ${err.message}` };
}

function unreadableMessage(file: string, err: NodeJS.ErrnoException): string {
  const absolute = resolve(file);
  if (err.code === 'ENOENT') {
    return [
      `no config file: Vigil looked for ${absolute}.`,
      'Create it (or pass --config FILE, or set VIGIL_CONFIG). A minimal one, one worker on an ~/.ssh/config alias:',
      '',
      minimalExample(),
      'The README has a full example; `vigil doctor` checks a config step by step.',
    ].join('\n');
  }
  if (err.code === 'EISDIR') return `${absolute} is a folder; give the config file inside it`;
  return `cannot read ${absolute}: ${err.message}`;
}

const byPosition = (a: ConfigIssue, b: ConfigIssue): number =>
  (a.line ?? 0) - (b.line ?? 0) || (a.column ?? 0) - (b.column ?? 0);

/** A shorthand (metrics: x) can yield the same message twice for one place; show it once. */
function dedupe(issues: ConfigIssue[]): ConfigIssue[] {
  const seen = new Set<string>();
  return issues.filter((i) => {
    const key = `${i.line}:${i.column}:${i.path}:${i.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
