// `vigil init`'s questions in a terminal: which host, which folder, and for each proposed worker whether
// to add it, under which name, with what total. Every question has a default (Enter accepts it), so the
// common case is a few presses of Enter.

import { createInterface } from 'node:readline/promises';
import type { Proposal } from './init-discover';

export interface Ask {
  question(q: string): Promise<string>;
  close(): void;
}

export function readlineAsk(): Ask {
  const rl = createInterface({ input: process.stdin, output: process.stdout });
  // Ctrl-C at a question ends `vigil init` with nothing written (readline would otherwise only pause, and
  // the process end with 0 as if it had succeeded).
  rl.on('SIGINT', () => {
    rl.close();
    process.stderr.write('\nvigil init: interrupted; nothing written\n');
    process.exit(130);
  });
  return { question: (q) => rl.question(q), close: () => rl.close() };
}

const VALID_NAME = /^[A-Za-z0-9._-]+$/;

/** The answer, or the default when it is empty; asked again while `valid` refuses it. */
async function askFor(
  ask: Ask,
  q: string,
  def: string,
  valid: (s: string) => string | null = () => null,
): Promise<string> {
  for (;;) {
    const a = (await ask.question(`${q} [${def}]: `)).trim() || def;
    const problem = valid(a);
    if (problem === null) return a;
    process.stdout.write(`  ${problem}\n`);
  }
}

export async function chooseHost(ask: Ask, hosts: string[]): Promise<string> {
  for (const [i, h] of hosts.entries()) process.stdout.write(`  ${i + 1}. ${h}\n`);
  const a = await askFor(ask, 'Host (number or name)', hosts[0] ?? '', (s) =>
    s === '' ? 'give a host from your ssh config' : null,
  );
  const n = Number(a);
  return Number.isInteger(n) && n >= 1 && n <= hosts.length ? hosts[n - 1]! : a;
}

export function chooseDir(ask: Ask): Promise<string> {
  return askFor(ask, 'Folder to look for runs in', '~');
}

/** Asks about each proposal; returns the accepted ones, renamed and with their totals as answered. */
export async function confirmProposals(
  ask: Ask,
  proposals: Proposal[],
  taken: Set<string>,
): Promise<Proposal[]> {
  const kept: Proposal[] = [];
  const used = new Set(taken);
  for (const p of proposals) {
    const yes = await askFor(ask, `Watch ${p.dir} (${p.metrics})? y/n`, 'y', (s) =>
      /^(y|yes|n|no)$/i.test(s) ? null : 'answer y or n',
    );
    if (/^n/i.test(yes)) continue;
    const name = await askFor(ask, '  name', p.name, (s) =>
      !VALID_NAME.test(s)
        ? 'letters, digits, ".", "_" and "-" only'
        : used.has(s.toLowerCase())
          ? `"${s}" is taken`
          : null,
    );
    used.add(name.toLowerCase());
    const total = await askFor(
      ask,
      '  total epochs (- for none)',
      p.totalEpochs ? String(p.totalEpochs) : '-',
      (s) => (s === '-' || /^[1-9]\d*$/.test(s) ? null : 'a whole number, or - for none'),
    );
    const { totalEpochs: _, ...rest } = p;
    kept.push({ ...rest, name, ...(total === '-' ? {} : { totalEpochs: Number(total) }) });
  }
  return kept;
}
