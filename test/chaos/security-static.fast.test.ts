// Security that needs no network: the built index.html carries a strict CSP, and every
// BrowserWindow the shell creates has the secure options and hardened webContents (unit level: the
// Electron binary is not installed here, the shell is tested with fakes).

import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { contentSecurityPolicy } from '../../src/main/headless/server';
import { hardenWebContents, popoverWindowOptions } from '../../src/main/shell/window-security';
import { recordRow } from './table';

const INDEX = path.resolve('out/renderer/index.html');

function directives(csp: string): Map<string, string[]> {
  return new Map(
    csp
      .split(';')
      .map((d) => d.trim().split(/\s+/))
      .filter((d) => d[0])
      .map(([k, ...v]) => [k!, v]),
  );
}

function checkCsp(csp: string): void {
  const d = directives(csp);
  expect(d.get('default-src')).toEqual(["'none'"]);
  expect(d.get('script-src')).toEqual(["'self'"]);
  for (const [name, values] of d) {
    expect(values, name).not.toContain("'unsafe-inline'");
    expect(values, name).not.toContain("'unsafe-eval'");
    expect(values, name).not.toContain('*');
    expect(values, name).not.toContain('http:');
    expect(values, name).not.toContain('https:');
  }
  expect(d.get('base-uri')).toEqual(["'none'"]);
  expect(d.get('form-action')).toEqual(["'none'"]);
  // The only remote the page may talk to is the loopback WebSocket of `vigil serve`.
  for (const c of d.get('connect-src') ?? [])
    expect(c).toMatch(/^('self'|ws:\/\/(127\.0\.0\.1|localhost):(\*|\d+))$/);
}

describe('static security', () => {
  it('the built index.html carries a strict CSP and no inline script; the server adds frame-ancestors', () => {
    if (!existsSync(INDEX)) {
      execFileSync(
        process.execPath,
        [path.resolve('node_modules/electron-vite/bin/electron-vite.js'), 'build'],
        {
          stdio: 'ignore',
        },
      );
    }
    const html = readFileSync(INDEX, 'utf8');
    const meta = html.match(/<meta\s+http-equiv="Content-Security-Policy"\s+content="([^"]+)"/i);
    expect(meta).not.toBeNull();
    checkCsp(meta![1]!);
    // Every script is an external file of our own (script-src 'self' would block an inline one anyway).
    const scripts = [...html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/gi)];
    expect(scripts.length).toBeGreaterThan(0);
    for (const [, attrs, body] of scripts) {
      expect(attrs).toMatch(/src="\.\/assets\/[^"]+\.js"/);
      expect(body!.trim()).toBe('');
    }
    expect(html).not.toMatch(/\son[a-z]+\s*=/i); // no inline event handlers
    const header = contentSecurityPolicy(4567);
    checkCsp(header);
    expect(directives(header).get('frame-ancestors')).toEqual(["'none'"]);
    recordRow({
      fault: 'built index.html CSP',
      expected: "default-src 'none', script-src 'self', no unsafe-*, connect-src loopback only",
      observed: `meta: ${meta![1]}; header adds frame-ancestors 'none'`,
      pass: true,
    });
  });

  it('every BrowserWindow has the secure options and hardened webContents', () => {
    const o = popoverWindowOptions('/app/out/preload/index.mjs');
    expect(o.webPreferences).toEqual({
      preload: '/app/out/preload/index.mjs',
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      navigateOnDragDrop: false,
      spellcheck: false,
    });
    expect(Object.keys(o.webPreferences)).not.toContain('experimentalFeatures');
    expect(Object.keys(o.webPreferences)).not.toContain('enableBlinkFeatures');

    // Navigation, redirects, webviews, new windows and permissions: all refused.
    const handlers = new Map<string, (e: { preventDefault(): void }) => void>();
    let openHandler: ((d: { url: string }) => { action: string }) | null = null;
    let permission: ((wc: unknown, p: string, cb: (ok: boolean) => void) => void) | null = null;
    let check: (() => boolean) | null = null;
    hardenWebContents({
      on: (event, fn) => handlers.set(event, fn),
      setWindowOpenHandler: (fn) => {
        openHandler = fn;
      },
      session: {
        setPermissionRequestHandler: (fn) => {
          permission = fn;
        },
        setPermissionCheckHandler: (fn) => {
          check = fn;
        },
      },
    });
    for (const event of ['will-navigate', 'will-redirect', 'will-attach-webview']) {
      let prevented = false;
      handlers.get(event)!({ preventDefault: () => (prevented = true) });
      expect(prevented, event).toBe(true);
    }
    expect(openHandler!({ url: 'https://evil.example/' })).toEqual({ action: 'deny' });
    for (const p of ['media', 'geolocation', 'notifications', 'openExternal', 'clipboard-read']) {
      let granted: boolean | null = null;
      permission!(null, p, (ok) => (granted = ok));
      expect(granted, p).toBe(false);
    }
    expect(check!()).toBe(false);

    // The shell creates windows in one place, with these options, hardened at once; nothing else
    // constructs a BrowserWindow or sets its own webPreferences.
    const shellDir = path.resolve('src/main/shell');
    const sources = readdirSync(shellDir)
      .filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'))
      .map((f) => ({ f, text: readFileSync(path.join(shellDir, f), 'utf8') }));
    const constructs = sources.flatMap(({ f, text }) =>
      [...text.matchAll(/new BrowserWindow\(([^)]*)\)/g)].map((m) => `${f}: ${m[1]}`),
    );
    expect(constructs).toEqual(['main.ts: options']);
    const creates = sources.flatMap(({ f, text }) =>
      [...text.matchAll(/createWindow\(([^)]*\)?)\)/g)]
        .filter((m) => !m[1]!.includes(': ')) // the port's declaration, not a call
        .map((m) => `${f}: ${m[1]}`),
    );
    expect(creates).toEqual(['popover.ts: popoverWindowOptions(deps.preloadPath)']);
    const popover = sources.find((s) => s.f === 'popover.ts')!.text;
    expect(popover).toMatch(
      /createWindow\(popoverWindowOptions\(deps\.preloadPath\)\);\s*hardenWebContents\(window\.webContents\)/,
    );
    for (const { f, text } of sources) {
      if (f === 'window-security.ts') continue;
      expect(text, f).not.toMatch(/webPreferences|nodeIntegration|contextIsolation|sandbox:/);
    }
    recordRow({
      fault: 'BrowserWindow options (unit, fakes)',
      expected:
        'contextIsolation, sandbox, no node integration, webSecurity; no navigation, windows, webviews, permissions',
      observed:
        '11 webPreferences secure; 3 navigation events prevented; window.open denied; 5 permissions refused; one construction site',
      pass: true,
    });
  });
});
