// "Did you mean" suggestions for misspelt keys and names: the nearest candidate within a small edit
// distance, or a case-insensitive match (stallafter → stallAfter), whichever is closer.

/** Levenshtein distance with adjacent transpositions counted as one edit (optimal string alignment). */
export function editDistance(a: string, b: string): number {
  const rows = a.length + 1;
  const cols = b.length + 1;
  const d: number[][] = Array.from({ length: rows }, (_, i) =>
    Array.from({ length: cols }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  for (let i = 1; i < rows; i++) {
    for (let j = 1; j < cols; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        best = Math.min(best, d[i - 2]![j - 2]! + 1);
      }
      d[i]![j] = best;
    }
  }
  return d[a.length]![b.length]!;
}

/** The candidate the user most likely meant, or undefined when none is close (distance ≤ 2). */
export function didYouMean(word: string, candidates: Iterable<string>): string | undefined {
  let best: string | undefined;
  let bestScore = Number.POSITIVE_INFINITY;
  for (const candidate of candidates) {
    if (candidate === word) continue;
    // A case-only difference is the most likely slip of all: rank it before any real edit.
    const score =
      candidate.toLowerCase() === word.toLowerCase()
        ? 0.5
        : editDistance(word.toLowerCase(), candidate.toLowerCase());
    // score < word.length: replacing every letter of a short word ("id" → "to") is no suggestion.
    if (score <= 2 && score < word.length && score < bestScore) {
      best = candidate;
      bestScore = score;
    }
  }
  return best;
}
