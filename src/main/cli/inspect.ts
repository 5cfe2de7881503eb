// `vigil inspect FILE`: what Vigil reads from one local file — people use it to see why Vigil does or
// does not see their loss.

import { promises as fs } from 'node:fs';
import path from 'node:path';
import { formatById, type InspectResult, inspectBytes } from '../engine/parse';

export interface InspectArgs {
  file: string;
  format?: string;
  loss?: string;
  json: boolean;
}

function text(r: InspectResult, file: string): string {
  const lines = [
    `${file}`,
    `  format:      ${r.format === null ? '(not recognised)' : `${r.format} — ${r.formatReason ?? 'chosen'}`}`,
    `  records:     ${r.records}`,
  ];
  lines.push(`  metrics:     ${r.metrics.length ? r.metrics.join(', ') : '(none)'}`);
  lines.push(`  loss metric: ${r.lossMetric ?? '(none found: set metrics.loss in the config)'}`);
  if (r.records > 0) {
    lines.push('  newest:');
    lines.push(`    epoch ${r.last.epoch ?? '–'}, step ${r.last.step ?? '–'}, loss ${r.last.loss ?? '–'}`);
    for (const [k, v] of Object.entries(r.last.metrics)) lines.push(`    ${k} = ${v}`);
  }
  const extra = r as InspectResult & { why?: string; warnings?: { line?: number; message: string }[] };
  if (extra.why) lines.push(`  why: ${extra.why}`);
  if (extra.warnings?.length) {
    lines.push(`  warnings (${extra.warnings.length}):`);
    for (const w of extra.warnings.slice(0, 10))
      lines.push(`    ${w.line !== undefined ? `line ${w.line}: ` : ''}${w.message}`);
  }
  return lines.join('\n');
}

export async function runInspect(
  args: InspectArgs,
  out: (s: string) => void,
  err: (s: string) => void,
): Promise<number> {
  if (args.format !== undefined) {
    try {
      formatById(args.format);
    } catch (e) {
      err(`vigil inspect: ${(e as Error).message}`);
      return 2; // a usage error: nothing was read
    }
  }
  let bytes: Uint8Array;
  try {
    bytes = await fs.readFile(args.file);
  } catch (e) {
    err(`vigil inspect: cannot read ${args.file}: ${(e as Error).message}`);
    return 1;
  }
  const result = inspectBytes(path.basename(args.file), bytes, { format: args.format, loss: args.loss });
  out(args.json ? JSON.stringify(result, null, 2) : text(result, args.file));
  // 1 when Vigil cannot read records from this file (not recognised, nothing in it): what to fix.
  return result.format !== null && result.records > 0 ? 0 : 1;
}
