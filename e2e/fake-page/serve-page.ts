// Serves the fake-backend page (main.tsx, bundled with esbuild, and the renderer's stylesheet) on a
// loopback port, for specs that need states a live host rarely shows at will.

import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import path from 'node:path';
import { build } from 'esbuild';

export async function serveFakePage(): Promise<{ url: string; close(): void }> {
  const bundle = await build({
    entryPoints: [path.resolve('e2e/fake-page/main.tsx')],
    bundle: true,
    write: false,
    format: 'esm',
    jsx: 'automatic',
    define: { 'process.env.NODE_ENV': '"production"' },
    logLevel: 'error',
  });
  const js = bundle.outputFiles[0]!.text;
  const css = readFileSync(path.resolve('src/renderer/styles.css'), 'utf8');
  const html = `<!doctype html><html><head><meta charset="utf-8"><style>${css}</style></head><body><div id="root"></div><script type="module" src="/app.js"></script></body></html>`;
  const server = createServer((req, res) => {
    const isJs = req.url?.startsWith('/app.js');
    res.setHeader('content-type', isJs ? 'text/javascript' : 'text/html');
    res.end(isJs ? js : html);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as { port: number }).port}/`,
    close: () => server.close(),
  };
}
