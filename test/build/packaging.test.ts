// The packaging setup, checked without packaging (that needs downloads this machine cannot make):
// electron-builder.yml as electron-builder itself loads and validates it against its own configuration
// schema (app-builder-lib/scheme.json), with the signing settings `npm run dist` lays over it; what it
// asks for (dmg + zip for both Mac architectures, hardened runtime, AppImage + deb, nsis, no native
// rebuild); the runtime dependencies against what the main process and the CLI import; and every
// installed package's Node range against the one README states.

import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { distPlan } from '../../scripts/dist.mjs';

const ROOT = path.resolve(__dirname, '../..');

/** The parts of the loaded configuration checked here, as getConfig returns them. */
interface LoadedConfig {
  productName: string;
  npmRebuild: boolean;
  mac: {
    target: unknown;
    hardenedRuntime: boolean;
    identity?: string | null;
    entitlements: string;
    entitlementsInherit: string;
    extendInfo: { LSUIElement: boolean };
  };
  linux: { target: unknown };
  deb: { depends: string[] };
  win: { target: unknown };
  extraResources: { filter: string[] }[];
  files: (string | { filter: string[] })[];
}
const require = createRequire(path.join(ROOT, 'package.json'));
const configModule = require('app-builder-lib/out/util/config/config.js') as {
  getConfig(projectDir: string, configPath: string | null, fromOptions: object | null): Promise<LoadedConfig>;
  validateConfiguration(config: object, debugLogger: object): Promise<void>;
};
const { DebugLogger } = require('builder-util/out/DebugLogger.js') as {
  DebugLogger: new (enabled: boolean) => object;
};
const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8'));

const load = (overrides: object | null = null) => configModule.getConfig(ROOT, null, overrides);
const validate = (config: object) => configModule.validateConfiguration(config, new DebugLogger(false));

describe('electron-builder.yml', () => {
  it('is valid against electron-builder’s own schema, alone and with each signing setup of `npm run dist`', async () => {
    expect(existsSync(path.join(ROOT, 'node_modules', 'app-builder-lib', 'scheme.json'))).toBe(true);
    await validate(await load());
    for (const env of [{}, { CSC_LINK: 'cert.p12' }, { CSC_NAME: 'Developer ID Application: X' }]) {
      const config = await load(distPlan(env, 'darwin').config);
      await validate(config);
    }
  });

  it('would be refused with a misspelt key (the schema check is real)', async () => {
    const config = await load();
    await expect(validate({ ...config, mac: { ...config.mac, hardenedRuntme: true } })).rejects.toThrow(
      /hardenedRuntme/,
    );
    await expect(validate({ ...config, npmRebuild: 'no' })).rejects.toThrow(/npmRebuild/);
  });

  it('asks for dmg + zip for arm64 and x64, hardened runtime with entitlements, AppImage + deb, nsis, no native rebuild', async () => {
    const c = await load();
    expect(c.productName).toBe('Vigil');
    expect(pkg.productName).toBe('Vigil'); // Electron's app name in development too
    expect(c.npmRebuild).toBe(false);
    expect(c.mac.target).toEqual([
      { target: 'dmg', arch: ['arm64', 'x64'] },
      { target: 'zip', arch: ['arm64', 'x64'] },
    ]);
    expect(c.mac.hardenedRuntime).toBe(true);
    expect(c.mac.identity).toBeUndefined(); // decided by `npm run dist`
    const entitlements = readFileSync(path.join(ROOT, c.mac.entitlements), 'utf8');
    for (const key of ['allow-jit', 'allow-unsigned-executable-memory', 'disable-library-validation'])
      expect(entitlements).toContain(`<key>com.apple.security.cs.${key}</key>`);
    expect(c.mac.entitlementsInherit).toBe(c.mac.entitlements);
    expect(c.mac.extendInfo.LSUIElement).toBe(true);
    expect(c.linux.target).toEqual(['AppImage', 'deb']);
    expect(c.deb.depends).toEqual(
      expect.arrayContaining(['libgtk-3-0', 'libnss3', 'openssh-client', 'rsync']),
    );
    expect(c.win.target).toEqual(['nsis']);
    // Every tray image the app loads ships.
    const trays = readdirSync(path.join(ROOT, 'assets')).filter(
      (f) => f.startsWith('tray-') && f.endsWith('.png'),
    );
    expect(trays.length).toBe(16);
    expect(c.extraResources[0]!.filter).toEqual(['tray-*.png']);
    // (getConfig gathers the file patterns under one filter.)
    const files = c.files.flatMap((f) => (typeof f === 'string' ? [f] : f.filter));
    expect(files).toEqual(
      expect.arrayContaining(['out/**/*', '!out/cli/**', '!**/node_modules/cpu-features/**']),
    );
  });
});

describe('npm run dist', () => {
  it('signs ad hoc without a Developer ID (an unsigned app gets no notifications), and does not notarize', () => {
    const p = distPlan({}, 'darwin');
    expect(p.platforms).toEqual(['mac']);
    expect(p.config).toEqual({ mac: { identity: '-', notarize: false } });
    expect(p.notes[0]).toMatch(/signed ad hoc.*CSC_LINK/);
  });

  it('signs with the Developer ID and notarizes when the usual variables are set', () => {
    const env = {
      CSC_LINK: 'id.p12',
      CSC_KEY_PASSWORD: 'x',
      APPLE_API_KEY: 'k.p8',
      APPLE_API_KEY_ID: 'K',
      APPLE_API_ISSUER: 'I',
    };
    expect(distPlan(env, 'darwin')).toMatchObject({
      config: {},
      notes: [expect.stringMatching(/notarized with APPLE_API_KEY/)],
    });
    expect(distPlan({ CSC_NAME: 'Developer ID Application: Me' }, 'darwin').config).toEqual({
      mac: { notarize: false },
    });
  });

  it('builds for this platform, or the ones named', () => {
    expect(distPlan({}, 'linux').platforms).toEqual(['linux']);
    expect(distPlan({}, 'win32').platforms).toEqual(['win']);
    expect(distPlan({}, 'linux', ['--win', '--linux']).platforms).toEqual(['linux', 'win']);
    expect(distPlan({}, 'linux').config).toEqual({});
    expect(pkg.scripts.dist).toBe('node scripts/dist.mjs');
  });
});

/** Bare package names imported by the non-test .ts files under these folders. */
function importedPackages(dirs: string[]): Set<string> {
  const out = new Set<string>();
  const walk = (dir: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (/\.tsx?$/.test(e.name) && !/\.test\.tsx?$/.test(e.name)) {
        for (const m of readFileSync(p, 'utf8').matchAll(/(?:from|import\()\s*'([^'.][^']*)'/g)) {
          const spec = m[1]!;
          if (spec.startsWith('node:')) continue;
          out.add(spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0]!);
        }
      }
    }
  };
  for (const d of dirs) walk(path.join(ROOT, d));
  return out;
}

describe('dependencies', () => {
  it('the runtime ones are exactly what the main process and the CLI import; the renderer’s are bundled', () => {
    const runtime = importedPackages(['src/main', 'src/shared']);
    runtime.delete('electron'); // provided by Electron itself
    runtime.delete('vitest');
    expect(Object.keys(pkg.dependencies).sort()).toEqual([...runtime].sort());
    for (const lib of importedPackages(['src/renderer'])) {
      expect(pkg.dependencies[lib], `${lib} is bundled by Vite`).toBeUndefined();
      expect(pkg.devDependencies[lib], lib).toBeDefined();
    }
  });

  it('every installed package accepts the Node version README states (no EBADENGINE on install)', () => {
    const semver = require('semver') as {
      satisfies(v: string, range: string): boolean;
      minVersion(r: string): { version: string };
    };
    const stated = semver.minVersion(pkg.engines.node).version;
    expect(readFileSync(path.join(ROOT, 'README.md'), 'utf8')).toContain(
      `Node.js ≥ ${stated.replace(/\.0$/, '')}`,
    );
    const lock = JSON.parse(readFileSync(path.join(ROOT, 'package-lock.json'), 'utf8'));
    const refusing = Object.entries(
      lock.packages as Record<string, { engines?: { node?: string }; version?: string }>,
    )
      .filter(([name, p]) => name && p.engines?.node && !semver.satisfies(stated, p.engines.node))
      .map(([name, p]) => `${name}@${p.version} wants Node ${p.engines!.node}`);
    expect(refusing).toEqual([]);
    expect(semver.satisfies(process.version, pkg.engines.node)).toBe(true);
  });
});
