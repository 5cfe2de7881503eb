// Global setup (vitest and Playwright): every temporary folder a test makes goes under one folder for
// the run, removed when the run ends. Tests make hundreds of them (mirrors, fake remotes, 25 MB files);
// left in the system's temp folder they added up to gigabytes over a few days of `npm test`.
// Worker processes start after this and inherit TMPDIR, so `os.tmpdir()` is this folder in every test.

import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export default function setup(): () => void {
  const root = mkdtempSync(path.join(os.tmpdir(), 'vigil-test-run-'));
  // The chaos suite's unprivileged remote user must reach the folders made for it inside.
  chmodSync(root, 0o755);
  process.env.TMPDIR = root;
  return () => rmSync(root, { recursive: true, force: true });
}
