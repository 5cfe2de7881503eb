// `vigil` command line. Exit codes: 0 it reported, 1 the operation failed, 2 bad config or usage.

import { Command, CommanderError } from 'commander';
import { defaultConfigPath } from '../engine/config/default-path';
import { runDoctor } from './doctor';
import { runInspect } from './inspect';
import { runStatus } from './status';

const out = (s: string) => process.stdout.write(`${s}\n`);

function isConfigError(e: unknown): e is Error {
  return e instanceof Error && e.name === 'ConfigError';
}

export async function main(argv: string[]): Promise<number> {
  const program = new Command('vigil')
    .description('Keeps watch over training runs on remote machines reached over SSH.')
    .exitOverride()
    .configureOutput({ writeErr: (s) => process.stderr.write(s) });
  let code = 0;
  const configOption = [
    '-c, --config <file>',
    'config file (default: $VIGIL_CONFIG or ~/.config/vigil/config.yaml)',
  ] as const;

  program
    .command('status')
    .description('one pass: connect, read, evaluate, print, exit')
    .option(...configOption)
    .option('--json', 'print the status as JSON')
    .action(async (o: { config?: string; json?: boolean }) => {
      code = await runStatus({ configPath: o.config ?? defaultConfigPath(), json: o.json === true }, out);
    });

  program
    .command('doctor')
    .description('pre-flight check of every step, from config to files, processes and rsync')
    .argument('[worker]', 'check only this worker')
    .option(...configOption)
    .action(async (worker: string | undefined, o: { config?: string }) => {
      code = await runDoctor({ configPath: o.config ?? defaultConfigPath(), worker }, out);
    });

  program
    .command('inspect')
    .description('what Vigil reads from one local file: format, records, metrics, loss, newest values')
    .argument('<file>', 'a metrics or log file')
    .option('--format <id>', 'force a format instead of detecting it')
    .option('--loss <metric>', 'the loss metric to report')
    .option('--json', 'print the result as JSON')
    .action(async (file: string, o: { format?: string; loss?: string; json?: boolean }) => {
      code = await runInspect({ file, format: o.format, loss: o.loss, json: o.json === true }, out, (s) =>
        process.stderr.write(`${s}\n`),
      );
    });

  try {
    await program.parseAsync(argv, { from: 'user' });
    return code;
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode === 0 ? 0 : 2;
    if (isConfigError(e)) {
      process.stderr.write(`${e.message}\n`);
      return 2;
    }
    process.stderr.write(`vigil: ${(e as Error).message}\n`);
    return 1;
  }
}
