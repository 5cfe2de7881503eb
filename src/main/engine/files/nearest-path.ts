// When a configured remote path does not exist, the nearest that does: the deepest folder of the path
// that exists, and in it the entry nearest to the first missing part (a misspelt `results/metric.jsonl`
// beside `results/metrics.jsonl`, a `worker_l` beside `worker_1`). One small listing on the host, shown
// with the error so the fix is a glance away.

import { shQuote } from '../ssh';

/** Entries listed at most (a results folder of a long run holds thousands of checkpoints). */
const MAX_ENTRIES = 2000;

/** The shell script that prints the deepest existing folder of `missing`, then its entries, one a line. */
export function nearestPathScript(missing: string): string {
  return [
    `d=$(dirname -- ${shQuote(missing)})`,
    'while [ ! -d "$d" ] && [ "$d" != / ] && [ "$d" != . ]; do d=$(dirname -- "$d"); done',
    `printf '%s\\n' "$d"`,
    `ls -1A -- "$d" 2>/dev/null | head -n ${MAX_ENTRIES}`,
  ].join('; ');
}

/** Levenshtein distance (small strings: file names). */
function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const keep = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = keep;
    }
  }
  return row[b.length]!;
}

/**
 * The nearest existing path to `missing` from the script's output, or null when nothing is near: the
 * first missing part replaced by the nearest entry (a third of its length in edits at most, a
 * case-only difference first), the parts after it kept as written.
 */
export function nearestPath(missing: string, output: string): string | null {
  const [dir, ...entries] = output.split('\n').filter((l) => l !== '');
  if (!dir || !missing.startsWith(dir === '/' ? '/' : `${dir}/`)) return null;
  const rest = missing.slice(dir === '/' ? 1 : dir.length + 1).split('/');
  const wanted = rest[0]!;
  let best: string | null = null;
  let bestScore = Number.POSITIVE_INFINITY;
  for (const e of entries) {
    if (e === wanted) return null; // it exists after all (a race): nothing to suggest
    const score = e.toLowerCase() === wanted.toLowerCase() ? 0.5 : distance(e, wanted);
    if (score < bestScore && score <= Math.max(1, Math.floor(wanted.length / 3))) {
      best = e;
      bestScore = score;
    }
  }
  if (best === null) return null;
  return [dir === '/' ? '' : dir, best, ...rest.slice(1)].join('/');
}
