// A user's own regex, run with a time bound. JavaScript regexes backtrack: `(a+)+$` takes for ever on
// a line of thirty a's and a `!`, and the engine reads every line of a file with it, so one such line
// would freeze everything. The regex runs inside a vm script with a timeout (V8 interrupts a running
// regex), over a batch of lines at a time; a line it cannot finish within the bound is skipped, and the
// caller says so. The built-in patterns need none of this: they are linear by construction.

import vm from 'node:vm';

/** The longest one batch of lines may take: a line still running then is the one skipped. */
export const REGEX_BUDGET_MS = 250;
const BATCH_LINES = 2000;

export type Groups = Record<string, string | undefined>;

export class BoundedRegex {
  private readonly ctx: vm.Context;
  private static readonly script = new vm.Script(
    'for (; i < lines.length; i++) { const m = re.exec(lines[i]); out[i] = m && m.groups ? Object.assign({}, m.groups) : null; }',
  );

  constructor(
    re: RegExp,
    private readonly budgetMs = REGEX_BUDGET_MS,
  ) {
    this.ctx = vm.createContext({ re, lines: [], out: [], i: 0 });
  }

  /** Each text's named groups (null: no match), and the indexes of texts cut off by the bound. */
  execAll(texts: readonly string[]): { groups: (Groups | null)[]; slow: number[] } {
    const groups: (Groups | null)[] = [];
    const slow: number[] = [];
    for (let at = 0; at < texts.length; at += BATCH_LINES) {
      const batch = texts.slice(at, at + BATCH_LINES);
      const ctx = this.ctx as { lines: string[]; out: (Groups | null)[]; i: number };
      ctx.lines = batch;
      ctx.out = new Array(batch.length).fill(null);
      ctx.i = 0;
      while (ctx.i < batch.length) {
        try {
          BoundedRegex.script.runInContext(this.ctx, { timeout: this.budgetMs });
        } catch (e) {
          if ((e as { code?: string }).code !== 'ERR_SCRIPT_EXECUTION_TIMEOUT') throw e;
          slow.push(at + ctx.i);
          ctx.out[ctx.i] = null;
          ctx.i++;
        }
      }
      groups.push(...ctx.out);
      ctx.lines = [];
      ctx.out = [];
    }
    return { groups, slow };
  }
}
