#!/usr/bin/env node
// Bundles the `vigil` CLI (src/main/cli/main.ts and everything it reaches in src/) into out/cli/ with
// esbuild: plain ESM for Node, one chunk per command (each is imported only when it runs). commander,
// which every start needs, goes into the bundle (loading it from node_modules as CommonJS cost more
// than the rest of `vigil --help`); the other runtime dependencies stay imports. bin/vigil runs it. Runs on `npm install` / `npm ci` (`prepare`),
// and from bin/vigil itself in a checkout whose sources changed since the last build.
// The new bundle is built aside and swapped in, so a running `vigil` never reads a half-written one.

import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
export const OUT = join(root, 'out', 'cli');
export const ENTRY = join(OUT, 'vigil.mjs');
/** The folders whose files go into the bundle: newer than the bundle means it is stale. */
export const SOURCES = [join(root, 'src', 'main'), join(root, 'src', 'shared')];

/** Newest modification time of the .ts files under the folders (0 when there are none). */
export function newestSource(dirs = SOURCES) {
  let newest = 0;
  const walk = (dir) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith('.ts') && !e.name.endsWith('.test.ts'))
        newest = Math.max(newest, statSync(p).mtimeMs);
    }
  };
  for (const d of dirs) if (existsSync(d)) walk(d);
  return newest;
}

/** True when the bundle is missing or older than a source file (a checkout only: an install has no src). */
export function isStale() {
  if (!existsSync(ENTRY)) return true;
  return newestSource() > statSync(ENTRY).mtimeMs;
}

export async function buildCli() {
  const { build } = await import('esbuild');
  const tmp = `${OUT}.tmp-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  // The entry runs main() itself, so bin/vigil only imports it.
  const entry = join(tmp, 'entry.ts');
  writeFileSync(
    entry,
    `import { main } from ${JSON.stringify(join(root, 'src', 'main', 'cli', 'main.ts'))};\nprocess.exitCode = await main(process.argv.slice(2));\n`,
  );
  const result = await build({
    entryPoints: { vigil: entry },
    outdir: tmp,
    outExtension: { '.js': '.mjs' },
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    external: Object.keys(JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).dependencies).filter(
      (d) => d !== 'commander',
    ),
    // commander is CommonJS: its require() of Node's modules needs a require in an ES module.
    banner: {
      js: "import { createRequire as __vigilRequire } from 'node:module';\nconst require = __vigilRequire(import.meta.url);",
    },
    chunkNames: 'chunks/[name]-[hash]',
    sourcemap: false,
    metafile: true,
    absWorkingDir: root, // the metafile's paths are relative to this
    logLevel: 'warning',
  });
  rmSync(entry);
  const inputs = Object.keys(result.metafile.inputs)
    .map((f) => relative(root, resolve(root, f)))
    .filter((f) => f.startsWith(`src${sep}`));
  writeFileSync(join(tmp, 'inputs.json'), `${JSON.stringify(inputs)}\n`);
  // Swap: the old bundle aside, the new one in, the old one gone.
  const old = `${OUT}.old-${process.pid}`;
  if (existsSync(OUT)) renameSync(OUT, old);
  renameSync(tmp, OUT);
  rmSync(old, { recursive: true, force: true });
  return ENTRY;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const t0 = Date.now();
  try {
    await import('esbuild');
  } catch {
    // An install without devDependencies: bin/vigil says what is missing when it runs.
    console.error('vigil: esbuild is not installed, so the CLI is not bundled (bin/vigil will say so)');
    process.exit(0);
  }
  await buildCli();
  console.error(`vigil: CLI bundled into out/cli in ${Date.now() - t0} ms`);
}
