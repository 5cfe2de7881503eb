// Finding `name: value` pairs in a log line, by hand. It is exactly the regex below (PAIR, kept in
// text-pair.test.ts as the specification and checked against this on random lines), but a regex run
// allocates a match array, a name and a value string per pair, and that garbage was most of the cost of
// reading a text log. Here a match is six integers.
//
//   /(?<![\w./-])['"]?((?:(?:train|training|val|valid|validation|test|eval)\s+)?[A-Za-z][\w./-]*)['"]?
//    \s*(?:[:=]\s*|\s+)([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?|[-+]?(?:nan|inf(?:inity)?))
//    (?:%|ms|s|it\/s|s\/it)?(?![\w.:/])/gi
//
// Why a plain left-to-right scan gives the regex's answer: the name can only end at the end of its run
// of [\w./-] (a shorter name is followed by a name character, which cannot start the separator); the
// separator is all the whitespace around at most one `:` or `=`; and a shorter number is followed by a
// digit, `.` or `e`, which the final lookahead rejects and no unit starts with. What is left to try in
// order is the optional split-name prefix, the units, and `infinity` before `inf`.

/** The last match: [start, end) of the whole match, of the name (group 1) and of the value (group 2). */
export const pair = { start: 0, end: 0, nameStart: 0, nameEnd: 0, valueStart: 0, valueEnd: 0 };

const PREFIXES = ['train', 'training', 'val', 'valid', 'validation', 'test', 'eval'];

const isDigit = (c: number) => c >= 48 && c <= 57;
const isLetter = (c: number) => (c | 0x20) >= 97 && (c | 0x20) <= 122;
/** \w */
const isWord = (c: number) => isLetter(c) || isDigit(c) || c === 95;
/** [\w./-] */
const isNameChar = (c: number) => isWord(c) || c === 46 || c === 47 || c === 45;
const isQuote = (c: number) => c === 39 || c === 34;

/** \s (without the u flag: the same set) */
function isSpace(c: number): boolean {
  if (c <= 32) return c === 32 || (c >= 9 && c <= 13);
  if (c < 0xa0) return false;
  return (
    c === 0xa0 ||
    c === 0x1680 ||
    (c >= 0x2000 && c <= 0x200a) ||
    c === 0x2028 ||
    c === 0x2029 ||
    c === 0x202f ||
    c === 0x205f ||
    c === 0x3000 ||
    c === 0xfeff
  );
}

/** `word` (lower-case ASCII) at `at`, case-insensitively. */
function wordAt(s: string, at: number, word: string): boolean {
  if (at + word.length > s.length) return false;
  for (let i = 0; i < word.length; i++)
    if ((s.charCodeAt(at + i) | 0x20) !== word.charCodeAt(i)) return false;
  return true;
}

/** The next match at or after `from` into `pair`; false when there is none. */
export function nextPair(s: string, from: number): boolean {
  const n = s.length;
  for (let i = from; i < n; i++) {
    const c = s.charCodeAt(i);
    if (!(isLetter(c) || isQuote(c))) continue;
    if (i > 0 && isNameChar(s.charCodeAt(i - 1))) continue; // (?<![\w./-])
    if (matchAt(s, i)) {
      pair.start = i;
      return true;
    }
  }
  return false;
}

function matchAt(s: string, i: number): boolean {
  const p = isQuote(s.charCodeAt(i)) ? i + 1 : i;
  // (?:(?:train|…|eval)\s+)? is tried first.
  for (const w of PREFIXES) {
    if (!wordAt(s, p, w) || !isSpace(s.charCodeAt(p + w.length))) continue;
    let q = p + w.length;
    while (isSpace(s.charCodeAt(q))) q++;
    if (isLetter(s.charCodeAt(q)) && rest(s, p, q)) return true;
    break; // no other prefix can be followed by whitespace here
  }
  return isLetter(s.charCodeAt(p)) && rest(s, p, p);
}

/** The name starts at `nameStart`, its last word at `word`; then quote, separator, value, unit. */
function rest(s: string, nameStart: number, word: number): boolean {
  let p = word + 1;
  while (isNameChar(s.charCodeAt(p))) p++;
  const nameEnd = p;
  if (isQuote(s.charCodeAt(p))) p++;
  const ws = p;
  while (isSpace(s.charCodeAt(p))) p++;
  const c = s.charCodeAt(p);
  if (c === 58 || c === 61) {
    p++;
    while (isSpace(s.charCodeAt(p))) p++;
  } else if (p === ws) return false;
  const v = p;
  // [-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?
  let q = v;
  let d = s.charCodeAt(q);
  if (d === 45 || d === 43) d = s.charCodeAt(++q);
  let numEnd = -1;
  if (isDigit(d)) {
    while (isDigit(s.charCodeAt(q))) q++;
    if (s.charCodeAt(q) === 46) {
      q++;
      while (isDigit(s.charCodeAt(q))) q++;
    }
    numEnd = q;
  } else if (d === 46 && isDigit(s.charCodeAt(q + 1))) {
    q++;
    while (isDigit(s.charCodeAt(q))) q++;
    numEnd = q;
  }
  if (numEnd >= 0) {
    if ((s.charCodeAt(numEnd) | 0x20) === 101) {
      let e = numEnd + 1;
      const sign = s.charCodeAt(e);
      if (sign === 45 || sign === 43) e++;
      if (isDigit(s.charCodeAt(e))) {
        while (isDigit(s.charCodeAt(e))) e++;
        numEnd = e;
      }
    }
    if (unitAndEnd(s, numEnd)) return found(nameStart, nameEnd, v, numEnd);
    return false;
  }
  // [-+]?(?:nan|inf(?:inity)?)
  q = v;
  d = s.charCodeAt(q);
  if (d === 45 || d === 43) q++;
  if (wordAt(s, q, 'nan')) return unitAndEnd(s, q + 3) && found(nameStart, nameEnd, v, q + 3);
  if (!wordAt(s, q, 'inf')) return false;
  if (wordAt(s, q + 3, 'inity') && unitAndEnd(s, q + 8)) return found(nameStart, nameEnd, v, q + 8);
  return unitAndEnd(s, q + 3) && found(nameStart, nameEnd, v, q + 3);
}

const UNITS = ['%', 'ms', 's', 'it/s', 's/it'];

/** (?:%|ms|s|it\/s|s\/it)?(?![\w.:/]) at `at`; sets pair.end. */
function unitAndEnd(s: string, at: number): boolean {
  for (const u of UNITS) {
    if (wordAtUnit(s, at, u) && endsHere(s, at + u.length)) {
      pair.end = at + u.length;
      return true;
    }
  }
  if (!endsHere(s, at)) return false;
  pair.end = at;
  return true;
}

function wordAtUnit(s: string, at: number, unit: string): boolean {
  if (at + unit.length > s.length) return false;
  for (let i = 0; i < unit.length; i++) {
    const c = s.charCodeAt(at + i);
    const u = unit.charCodeAt(i);
    if (c !== u && !(isLetter(u) && (c | 0x20) === u)) return false;
  }
  return true;
}

/** (?![\w.:/]) */
function endsHere(s: string, at: number): boolean {
  if (at >= s.length) return true;
  const c = s.charCodeAt(at);
  return !(isWord(c) || c === 46 || c === 58 || c === 47);
}

function found(nameStart: number, nameEnd: number, valueStart: number, valueEnd: number): boolean {
  pair.nameStart = nameStart;
  pair.nameEnd = nameEnd;
  pair.valueStart = valueStart;
  pair.valueEnd = valueEnd;
  return true;
}
