// Durations in the config are written with units ("30s", "15m", "1h30m") because a bare number is
// ambiguous: is `stallAfter: 15` seconds or minutes? We refuse to guess and say how to write it.

const UNIT_MS: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };

// One or more <number><unit> parts, e.g. "1h30m", "1.5h", "500ms"; spaces between parts are allowed.
const WHOLE = /^(?:\s*\d+(?:\.\d+)?\s*(?:ms|s|m|h|d))+\s*$/;
const PART = /(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)/g;

const HOW = 'write a number with a unit, e.g. "15m" (units: ms, s, m, h, d; combined like "1h30m")';

/** Parses "30s", "15m", "2h", "1h30m", "500ms", "1d" into milliseconds; throws an Error saying how to write one. */
export function parseDuration(input: string | number): number {
  if (typeof input === 'number') {
    throw new Error(`${input} has no unit: ${HOW}`);
  }
  const text = input.trim();
  if (/^\d+(?:\.\d+)?$/.test(text)) {
    throw new Error(`"${input}" has no unit: ${HOW}`);
  }
  if (!WHOLE.test(text)) {
    throw new Error(`"${input}" is not a duration: ${HOW}`);
  }
  let ms = 0;
  for (const [, value, unit] of text.matchAll(PART)) {
    ms += Number(value) * UNIT_MS[unit!]!;
  }
  return Math.round(ms);
}

/** Formats milliseconds the way the config writes them (used in messages: "at least 200ms"). */
export function formatDuration(ms: number): string {
  if (ms === 0) return '0s';
  const parts: string[] = [];
  let rest = ms;
  for (const unit of ['d', 'h', 'm', 's', 'ms'] as const) {
    const size = UNIT_MS[unit]!;
    const n = Math.floor(rest / size);
    if (n > 0) {
      parts.push(`${n}${unit}`);
      rest -= n * size;
    }
  }
  return parts.join('');
}
