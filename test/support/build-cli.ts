// Global setup (vitest and Playwright): the CLI bundle that bin/vigil runs is brought up to date with
// the sources once, before any test starts it (several test processes rebuilding it at once would race).

import { buildCli, isStale } from '../../scripts/build-cli.mjs';

export default async function setup(): Promise<void> {
  if (isStale()) await buildCli();
}
