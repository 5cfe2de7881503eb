// The real openrsync (what macOS 15.4+ ships as /usr/bin/rsync), built once from its pristine source by
// ../shared/tools/build-openrsync.sh into .vigil-test/openrsync (kept between runs; ~10 s to build).

import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';

const SCRIPT = path.resolve('../shared/tools/build-openrsync.sh');
const CACHE = path.resolve('.vigil-test/openrsync');

/** The binary's path, or why it cannot be had (the test then skips and prints that). */
export function openrsync(): { binary: string } | { skip: string } {
  if (!existsSync(SCRIPT)) return { skip: `${SCRIPT} is missing: openrsync cannot be built here` };
  try {
    const out = execFileSync('bash', [SCRIPT, CACHE], { encoding: 'utf8', timeout: 300_000 });
    const binary = out.trim().split('\n').at(-1)!;
    if (!existsSync(binary)) return { skip: `build-openrsync.sh printed ${binary}, which does not exist` };
    return { binary };
  } catch (e) {
    return {
      skip: `building openrsync failed (needs bmake, a C compiler, zlib headers): ${(e as Error).message}`,
    };
  }
}
