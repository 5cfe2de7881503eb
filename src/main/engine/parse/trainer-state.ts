// Hugging Face `trainer_state.json`: one JSON document rewritten whole at every checkpoint save. The
// reader pushes the entire new content after each change; records come from `log_history`, and only
// entries not returned before are returned (a run resumed from an older checkpoint rewrites the
// same early entries: they are recognised and not repeated).

import { addNumericFields, MAX_JSON_DEPTH, nestsDeeper, parseJsonLenient } from './jsonl';
import type { FileFacts, FormatModule, ParseResult, Parser } from './types';
import { RecordBuilder } from './values';

/**
 * The final summary entry: the run's final epoch and step, its runtimes, and `train_loss` averaged over
 * the whole run — which is not a training loss and is left out (it would be taken for the newest loss).
 */
function isSummary(entry: Record<string, unknown>): boolean {
  return 'train_runtime' in entry || 'total_flos' in entry;
}

export function createTrainerStateParser(): Parser {
  const seen = new Set<string>();
  const facts: FileFacts = {};
  const decoder = new TextDecoder('utf-8');
  return {
    push(chunk): ParseResult {
      const result: ParseResult = { records: [], warnings: [] };
      const text = decoder.decode(chunk);
      if (text.trim() === '') return result;
      let state: unknown;
      try {
        state = parseJsonLenient(text);
      } catch (e) {
        // Caught mid-rewrite (the document does not end yet): the next change brings the whole file.
        // Anything else is worth a warning.
        if (text.trimEnd().endsWith('}')) {
          result.warnings.push({ message: `trainer_state.json is not valid JSON: ${(e as Error).message}` });
        }
        return result;
      }
      if (
        state === null ||
        typeof state !== 'object' ||
        !Array.isArray((state as { log_history?: unknown }).log_history)
      ) {
        result.warnings.push({ message: 'trainer_state.json has no log_history list' });
        return result;
      }
      const s = state as Record<string, unknown> & { log_history: unknown[] };
      if (typeof s.num_train_epochs === 'number') facts.totalEpochs = s.num_train_epochs;
      if (typeof s.max_steps === 'number' && s.max_steps > 0) facts.totalSteps = s.max_steps;
      if (typeof s.global_step === 'number' && typeof s.max_steps === 'number' && s.max_steps > 0) {
        facts.completed = s.global_step >= s.max_steps;
      }
      s.log_history.forEach((entry, i) => {
        if (entry === null || typeof entry !== 'object' || Array.isArray(entry)) return;
        const e = entry as Record<string, unknown>;
        if (nestsDeeper(e)) {
          result.warnings.push({
            line: i + 1,
            message: `log_history entry ${i + 1} nests deeper than ${MAX_JSON_DEPTH} levels: skipped`,
          });
          return;
        }
        const summary = isSummary(e);
        if (summary) facts.completed = true;
        const key = JSON.stringify(e);
        if (seen.has(key)) return;
        seen.add(key);
        const b = new RecordBuilder();
        if (summary) {
          // The run's last record: where it ended (its epoch and step), not a loss.
          const { train_loss: _averaged, ...rest } = e;
          addNumericFields(rest, b);
          result.records.push(b.rec);
          return;
        }
        addNumericFields(e, b);
        if (b.metricCount > 0) result.records.push(b.rec);
        else result.warnings.push({ line: i + 1, message: `log_history entry ${i + 1} has no metrics` });
      });
      return result;
    },
    facts: () => ({ ...facts }),
  };
}

export const trainerStateFormat: FormatModule = {
  id: 'trainer-state',
  wholeFile: true,
  byName: (fileName) => (/(^|\/)trainer_state\.json$/i.test(fileName) ? 0.95 : 0),
  sniff: (head) => (/^\s*\{/.test(head) && head.includes('"log_history"') ? 0.9 : 0),
  create: createTrainerStateParser,
};
