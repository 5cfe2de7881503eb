// JSON for text wires (WebSocket). Plain JSON turns NaN and ±Infinity into null, and a NaN loss is
// the most important number Vigil shows, so non-finite numbers travel as a tagged object. A tag
// rather than the bare strings "NaN" (as `status --json` does) keeps a string that happens to read
// "NaN" a string.

const TAG = '$num';

export function encodeWire(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => {
    if (typeof v === 'number' && !Number.isFinite(v)) return { [TAG]: String(v) };
    return v;
  });
}

export function decodeWire(text: string): unknown {
  return JSON.parse(text, (_key, v: unknown) => {
    if (typeof v === 'object' && v !== null && !Array.isArray(v)) {
      const keys = Object.keys(v);
      if (keys.length === 1 && keys[0] === TAG) {
        const tag = (v as Record<string, unknown>)[TAG];
        if (tag === 'NaN') return Number.NaN;
        if (tag === 'Infinity') return Number.POSITIVE_INFINITY;
        if (tag === '-Infinity') return Number.NEGATIVE_INFINITY;
      }
    }
    return v;
  });
}
