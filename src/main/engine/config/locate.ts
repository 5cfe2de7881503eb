// Maps a path in the parsed value (['workers', 1, 'stallAfter']) back to the YAML node it came from, so
// every message can name the line and column the user has to edit.

import { type Document, isMap, isPair, isScalar, isSeq, type LineCounter, type Node } from 'yaml';
import type { ConfigPath } from './errors';

export interface Location {
  line: number;
  column: number;
  /** The path as the user wrote it: cut short where a shorthand stands for more (metrics: a string). */
  path: ConfigPath;
}

/**
 * Finds the node for path. `at: 'key'` points at the key itself (for unknown keys). A path that runs
 * past the end of the document — a missing key — points at the nearest mapping that should hold it.
 */
export function locate(
  doc: Document,
  lines: LineCounter,
  path: ConfigPath,
  at: 'key' | 'value' = 'value',
): Location {
  let node: unknown = doc.contents;
  let place: Node | null = (doc.contents as Node | null) ?? null;
  let walked = 0;
  for (const [i, seg] of path.entries()) {
    if (isMap(node)) {
      const pair = node.items.find(
        (p) => isPair(p) && isScalar(p.key) && String(p.key.value) === String(seg),
      );
      if (!pair) break;
      const last = i === path.length - 1;
      // A key with no value (`log:`) has an empty value node, or none: point at the key.
      const value = pair.value as Node | null;
      const range = value?.range;
      const empty = !value || (range != null && range[0] === range[1]);
      place = (last && at === 'key') || empty ? (pair.key as Node) : value;
      node = pair.value;
      walked = i + 1;
    } else if (isSeq(node) && typeof seg === 'number' && node.items[seg] !== undefined) {
      node = node.items[seg];
      place = node as Node;
      walked = i + 1;
    } else {
      break;
    }
  }
  // Stopped inside a mapping or list: the key is missing there, so keep the full path. Stopped at a scalar
  // with path left over: the schema expanded a shorthand (`metrics: x.jsonl` → metrics.path); name what
  // the user actually wrote.
  const shown = walked < path.length && !isMap(node) && !isSeq(node) ? path.slice(0, walked) : path;
  const offset = place?.range?.[0] ?? 0;
  const { line, col } = lines.linePos(offset);
  return { line, column: col, path: shown };
}
