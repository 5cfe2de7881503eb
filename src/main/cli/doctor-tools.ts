// `vigil doctor`, "This computer": the ssh and rsync a sync will run (absolute paths, found as the app
// finds them), which rsync it is, what it cannot do and the fix.

import type { VigilConfig } from '../engine/config';
import { describeFlavour, findSyncTools, limitsOf, RSYNC_FIX, type SyncTools } from '../engine/sync';

export interface DoctorReport {
  ok(step: string, detail: string): void;
  bad(step: string, detail: string, fix?: string): void;
  /** Works, with limits the user should know about. */
  warn(step: string, detail: string, fix: string, notes?: string[]): void;
}

export async function checkLocalTools(
  r: DoctorReport,
  config: VigilConfig,
  find: (configured: string | undefined) => Promise<SyncTools> = findSyncTools,
): Promise<void> {
  let tools: SyncTools;
  try {
    tools = await find(config.rsync);
  } catch (e) {
    const message = (e as Error).message;
    r.bad(/ssh/.test(message) && !/rsync/.test(message) ? 'ssh' : 'rsync', message, RSYNC_FIX);
    return;
  }
  r.ok('ssh', tools.ssh);
  const what = `${tools.rsync}${config.rsync ? ' (from the config)' : ''} is ${describeFlavour(tools.flavour)}`;
  const limits = limitsOf(tools.caps);
  if (limits.length === 0) r.ok('rsync', what);
  else
    r.warn(
      'rsync',
      `${what}, which lacks options Vigil would use; sync works without them`,
      RSYNC_FIX,
      limits,
    );
}
