#!/usr/bin/env node
// `npm run dist [-- --mac|--linux|--win]`: builds the three bundles, then packages them with
// electron-builder (electron-builder.yml) for this platform, or the ones named.
// - macOS: dmg + zip, arm64 and x64, hardened runtime. Signed with a Developer ID when one is given the
//   usual way (CSC_LINK + CSC_KEY_PASSWORD, or CSC_NAME for one in the keychain), and then notarized
//   when the usual Apple variables are set; otherwise signed ad hoc — an unsigned app gets no
//   notifications on current macOS — and not notarized.
// - Linux: AppImage + deb. Windows: nsis.
// Packaging downloads Electron and the packaging tools on first use.

import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/** The Apple credentials electron-builder's notarization reads (any one complete set). */
export const NOTARY_SETS = [
  ['APPLE_API_KEY', 'APPLE_API_KEY_ID', 'APPLE_API_ISSUER'],
  ['APPLE_ID', 'APPLE_APP_SPECIFIC_PASSWORD', 'APPLE_TEAM_ID'],
  ['APPLE_KEYCHAIN', 'APPLE_KEYCHAIN_PROFILE'],
];

/**
 * What to build for this environment: the platforms (this one, or the ones named), the settings laid
 * over electron-builder.yml (signing and notarization), and what they mean for the person building.
 */
export function distPlan(env, platform, argv = []) {
  const named = ['mac', 'linux', 'win'].filter((p) => argv.includes(`--${p}`));
  const platforms = named.length > 0 ? named : [{ darwin: 'mac', win32: 'win' }[platform] ?? 'linux'];
  const config = {};
  const notes = [];
  if (platforms.includes('mac')) {
    const developerId = Boolean(env.CSC_LINK || env.CSC_NAME);
    const notary = NOTARY_SETS.find((set) => set.every((k) => env[k]));
    if (!developerId) {
      config.mac = { identity: '-', notarize: false };
      notes.push(
        'macOS: signed ad hoc (no Developer ID: set CSC_LINK and CSC_KEY_PASSWORD, or CSC_NAME); not notarized',
      );
    } else if (notary) {
      notes.push(`macOS: signed with the Developer ID, notarized with ${notary.join(', ')}`);
    } else {
      config.mac = { notarize: false };
      notes.push(
        'macOS: signed with the Developer ID; not notarized (set APPLE_API_KEY, APPLE_API_KEY_ID and APPLE_API_ISSUER, or APPLE_ID, APPLE_APP_SPECIFIC_PASSWORD and APPLE_TEAM_ID)',
      );
    }
  }
  return { platforms, config, notes };
}

async function main() {
  const require = createRequire(join(root, 'package.json'));
  const vite = join(dirname(require.resolve('electron-vite/package.json')), 'bin', 'electron-vite.js');
  const built = spawnSync(process.execPath, [vite, 'build'], { cwd: root, stdio: 'inherit' });
  if (built.status !== 0) process.exit(built.status ?? 1);
  const { platforms, config, notes } = distPlan(process.env, process.platform, process.argv.slice(2));
  for (const n of notes) console.error(`dist: ${n}`);
  const { build } = require('electron-builder');
  // electron-builder.yml (in projectDir) is read as usual and `config` deep-merged over it; [] = the
  // targets the file names.
  await build({
    projectDir: root,
    publish: 'never',
    config,
    ...Object.fromEntries(platforms.map((p) => [p, []])),
  });
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  main().catch((e) => {
    console.error(`dist: ${e.message}`);
    process.exit(1);
  });
}
