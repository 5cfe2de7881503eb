// `vigil` command line. Exit codes: 0 all well, 1 a problem (a worker in trouble, a failed check, a
// failed operation), 2 a usage or configuration error.
// Each command's code (and the engine behind it: ssh2, zod, yaml) is loaded only when that command
// runs, so `vigil --help` starts in the time Node itself takes plus commander (bench/cli-start.ts).

import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Command, CommanderError, InvalidArgumentError } from 'commander';
import { appRoot } from './app-root';

const configPath = async (given: string | undefined): Promise<string> =>
  given ?? (await import('../engine/config')).defaultConfigPath();

const out = (s: string) => process.stdout.write(`${s}\n`);

async function watch(config: string | undefined): Promise<number> {
  const { runWatch } = await import('./watch');
  return runWatch({ configPath: await configPath(config) }, (s) => process.stderr.write(`${s}\n`));
}

function isConfigError(e: unknown): e is Error {
  return e instanceof Error && e.name === 'ConfigError';
}

/** The version in package.json (found the same way from the sources and from the bundled CLI). */
function version(): string {
  try {
    const pkg = JSON.parse(readFileSync(path.join(appRoot(), 'package.json'), 'utf8'));
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
    .option('-w, --watch', 'keep watching: a live table in a terminal, one line per change otherwise')
    .action(async (o: { config?: string; json?: boolean; watch?: boolean }) => {
      if (o.watch && o.json) {
        process.stderr.write('vigil status: --watch and --json do not go together (--json is one pass)\n');
        code = 2;
        return;
      }
      if (o.watch) {
        code = await watch(o.config);
        return;
      }
      const { runStatus } = await import('./status');
      code = await runStatus({ configPath: await configPath(o.config), json: o.json === true }, out);
    });

  program
    .command('top')
    .description('the same as `vigil status --watch`')
    .option(...configOption)
    .action(async (o: { config?: string }) => {
      code = await watch(o.config);
    });

  program
    .command('init')
    .description('find the runs on a host and write a config for them (asks in a terminal; never overwrites)')
    .argument('[host[:dir]]', 'an alias from your ssh config, and the folder to look in (default ~)')
    .option('--ssh-config <file>', 'the ssh config to read hosts from (kept in the written config)')
    .option('-c, --config <file>', 'where to write (default: $VIGIL_CONFIG or ~/.config/vigil/config.yaml)')
    .option('-y, --yes', 'write every proposed worker without asking')
    .option('--force', 'write even when the config exists (otherwise its changes are only printed)')
    .action(
      async (
        target: string | undefined,
        o: { sshConfig?: string; config?: string; yes?: boolean; force?: boolean },
      ) => {
        const { runInit } = await import('./init');
        code = await runInit(
          {
            target,
            sshConfig: o.sshConfig,
            configPath: await configPath(o.config),
            configGiven: o.config !== undefined,
            yes: o.yes === true,
            force: o.force === true,
          },
          out,
          (s) => process.stderr.write(`${s}\n`),
        );
      },
    );

  program
    .command('doctor')
    .description('pre-flight check of every step, from config to files, processes and rsync')
    .argument('[worker]', 'check only this worker')
    .option(...configOption)
    .action(async (worker: string | undefined, o: { config?: string }) => {
      const { runDoctor } = await import('./doctor');
      code = await runDoctor({ configPath: await configPath(o.config), worker }, out);
    });

  program
    .command('inspect')
    .description('what Vigil reads from one local file: format, records, metrics, loss, newest values')
    .argument('<file>', 'a metrics or log file')
    .option('--format <id>', 'force a format instead of detecting it')
    .option('--loss <metric>', 'the loss metric to report')
    .option('--json', 'print the result as JSON')
    .action(async (file: string, o: { format?: string; loss?: string; json?: boolean }) => {
      const { runInspect } = await import('./inspect');
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
      const { runSync } = await import('./sync');
      code = await runSync({ configPath: await configPath(o.config), worker }, out, (s) =>
        process.stderr.write(`${s}\n`),
      );
    });

  program
    .command('serve')
    .description(
      'the engine, the web UI and /metrics on http://127.0.0.1 (for machines without a desktop, and the always-on one that relays alerts)',
    )
    .option(...configOption)
    .option('-p, --port <n>', 'port to listen on (default: a free one)', (v) => {
      const n = Number(v);
      if (!Number.isInteger(n) || n < 0 || n > 65535)
        throw new InvalidArgumentError('a port is a whole number from 0 to 65535');
      return n;
    })
    .option(
      '--listen <addr>',
      'listen on ADDR or ADDR:PORT instead of 127.0.0.1 (e.g. 0.0.0.0:9464); the token stays required',
    )
    .option(
      '--token-file <file>',
      'keep the token in FILE (made if missing, mode 600) instead of a new one each start',
    )
    .action(async (o: { config?: string; port?: number; listen?: string; tokenFile?: string }) => {
      const { runServe } = await import('./serve');
      code = await runServe(
        {
          configPath: await configPath(o.config),
          port: o.port,
          listen: o.listen,
          tokenFile: o.tokenFile,
        },
        out,
        (s) => process.stderr.write(`${s}\n`),
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
