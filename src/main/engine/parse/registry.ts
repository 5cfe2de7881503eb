// The list of formats and how a file is matched to one: by its name first, then by sniffing its first
// bytes. Adding a format is one module and one line in FORMATS.

import { csvFormat } from './csv';
import { jsonlFormat } from './jsonl';
import { regexFormat } from './regex';
import { textFormat } from './text';
import { tfeventsFormat } from './tfevents';
import { trainerStateFormat } from './trainer-state';
import type { FormatModule, Parser, ParserOptions } from './types';
import { excerpt } from './values';

export const FORMATS: FormatModule[] = [
  trainerStateFormat,
  tfeventsFormat,
  jsonlFormat,
  csvFormat,
  textFormat,
  regexFormat,
];

export type Detection =
  | { format: FormatModule; confidence: number; why: string }
  | { format: null; why: string };

const MIN_CONFIDENCE = 0.3;

function baseName(fileName: string): string {
  return fileName.slice(fileName.lastIndexOf('/') + 1);
}

function looksBinary(head: string): boolean {
  const sample = head.slice(0, 4096);
  if (sample.includes('\u0000')) return true;
  let bad = 0;
  for (let i = 0; i < sample.length; i++) if (sample.charCodeAt(i) === 0xfffd) bad++;
  return bad > sample.length / 10;
}

/** `head` is the first bytes of the file (at most 64 KiB) decoded as UTF-8; it may be empty. */
export function detectFormat(fileName: string, head: string): Detection {
  const name = baseName(fileName);
  const binary = looksBinary(head);
  let best: { format: FormatModule; confidence: number; why: string } | null = null;
  for (const format of FORMATS) {
    const byName = format.byName(name);
    // Text sniffers cannot judge binary content, and vice versa.
    const sniff = head === '' || binary !== (format.binary === true) ? 0 : format.sniff(head);
    const confidence = Math.max(byName, sniff);
    if (confidence < MIN_CONFIDENCE || (best && confidence <= best.confidence)) continue;
    const why =
      sniff > byName
        ? `its content reads as ${format.id} (confidence ${sniff.toFixed(2)})`
        : `its name "${name}" says ${format.id}`;
    best = { format, confidence, why };
  }
  if (best) return best;
  if (head === '') return { format: null, why: `"${name}" is empty and its name matches no known format` };
  if (binary) {
    return {
      format: null,
      why: `"${name}" holds binary data that is not a known format (TensorBoard event files are named events.out.tfevents.*)`,
    };
  }
  const first = head.split(/\r?\n/).find((l) => l.trim() !== '') ?? '';
  return {
    format: null,
    why: `no known format recognises "${name}" (known: ${knownIds()}); it starts with ${excerpt(first)}. Set its format, or give a regex with named groups`,
  };
}

function knownIds(): string {
  return FORMATS.map((f) => f.id).join(', ');
}

export function formatById(id: string): FormatModule {
  const f = FORMATS.find((x) => x.id === id);
  if (!f) throw new Error(`Unknown format "${id}". Known formats: ${knownIds()}`);
  return f;
}

/**
 * A parser for the file: the forced format when given (a regex in options forces 'regex'), else the
 * detected one. Throws an Error that says why when the format is unknown or cannot be detected.
 */
export function createParser(
  formatId: string | undefined,
  fileName: string,
  head: string,
  options: ParserOptions = {},
): Parser {
  if (formatId) return formatById(formatId).create(options);
  if (options.regex) return regexFormat.create(options);
  const d = detectFormat(fileName, head);
  if (!d.format) throw new Error(d.why);
  return d.format.create(options);
}
