// `vigil` command line. Exit codes: 0 all well, 1 a problem (a worker in trouble, a failed check, a
// failed operation), 2 a usage or configuration error.

import { readFileSync } from 'node:fs';
import { Command, CommanderError, InvalidArgumentError } from 'commander';
import { defaultConfigPath } from '../engine/config';
import { runDoctor } from './doctor';
import { runInspect } from './inspect';
import { runServe } from './serve';
import { runStatus } from './status';
import { runSync } from './sync';

const out = (s: string) => process.stdout.write(`${s}\n`);

function isConfigError(e: unknown): e is Error {
  return e instanceof Error && e.name === 'ConfigError';
}

/** The version in package.json (the CLI runs from the checkout or the installed package). */
function version(): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8'));
    return typeof pkg.version === 'string' ? pkg.version : 'unknown';
  } catch {
    return 'unknown';
  }
}

export async function main(argv: string[]): Promise<number> {
  const program = new Command('vigil')
    .description('Keeps watch over training runs on remote machines reached over SSH.')
    .version(version(), '-V, --version', 'print the version')
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

  program
    .command('sync')
    .description("run a worker's sync rules now, with progress")
    .argument('<worker>', 'the worker whose results to bring home')
    .option(...configOption)
    .action(async (worker: string, o: { config?: string }) => {
      code = await runSync({ configPath: o.config ?? defaultConfigPath(), worker }, out, (s) =>
        process.stderr.write(`${s}\n`),
      );
    });

  program
    .command('serve')
    .description('the engine and the web UI on http://127.0.0.1 (for machines without a desktop)')
    .option(...configOption)
    .option('-p, --port <n>', 'port to listen on (default: a free one)', (v) => {
      const n = Number(v);
      if (!Number.isInteger(n) || n < 0 || n > 65535)
        throw new InvalidArgumentError('a port is a whole number from 0 to 65535');
      return n;
    })
    .action(async (o: { config?: string; port?: number }) => {
      code = await runServe({ configPath: o.config ?? defaultConfigPath(), port: o.port }, out, (s) =>
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
