// Shared by the parser tests: fixtures, feeding a parser in chunks, and the figures a user checks.

import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { chooseLossMetric } from '../../../shared/loss';
import type { MetricRecord } from '../../../shared/model';
import type { ParseResult, Parser, ParseWarning } from './types';

export const FIXTURES = fileURLToPath(new URL('../../../../../shared/fixtures/real/', import.meta.url));

export function fixture(path: string): Uint8Array {
  return new Uint8Array(readFileSync(FIXTURES + path));
}

export const enc = (s: string): Uint8Array => new TextEncoder().encode(s);

/** A small seeded PRNG so a failing chunking can be reproduced. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Cuts bytes at random places, often tiny pieces (mid-line, mid-character), sometimes large ones. */
export function randomChunks(bytes: Uint8Array, seed: number): Uint8Array[] {
  const r = rng(seed);
  const out: Uint8Array[] = [];
  for (let at = 0; at < bytes.length; ) {
    const size = r() < 0.5 ? 1 + Math.floor(r() * 8) : 1 + Math.floor(r() * 2000);
    out.push(bytes.subarray(at, at + size));
    at += size;
  }
  return out;
}

export function feed(parser: Parser, chunks: Iterable<Uint8Array>): ParseResult {
  const records: MetricRecord[] = [];
  const warnings: ParseWarning[] = [];
  for (const c of chunks) {
    const r = parser.push(c);
    records.push(...r.records);
    warnings.push(...r.warnings);
  }
  return { records, warnings };
}

export interface Figures {
  records: number;
  lossMetric: string | null;
  epoch: number | null;
  step: number | null;
  loss: number | null;
}

/** What `vigil inspect` shows: the loss metric over names in order of first appearance, newest values. */
export function figures(records: readonly MetricRecord[]): Figures {
  const names: string[] = [];
  const seen = new Set<string>();
  for (const r of records) {
    for (const k of Object.keys(r.metrics)) {
      if (seen.has(k)) continue;
      seen.add(k);
      names.push(k);
    }
  }
  const lossMetric = chooseLossMetric(names);
  const last = records.at(-1);
  let loss: number | null = null;
  if (lossMetric) {
    for (let i = records.length - 1; i >= 0; i--) {
      const v = records[i]!.metrics[lossMetric];
      if (v !== undefined) {
        loss = v;
        break;
      }
    }
  }
  return { records: records.length, lossMetric, epoch: last?.epoch ?? null, step: last?.step ?? null, loss };
}
