/** out/cli/vigil.mjs: the bundled CLI's entry. */
export const ENTRY: string;
/** Newest modification time of the sources that go into the bundle. */
export function newestSource(dirs?: string[]): number;
/** The bundle is missing or older than a source file. */
export function isStale(): boolean;
/** Bundles the CLI into out/cli (built aside, swapped in); returns the entry's path. */
export function buildCli(): Promise<string>;
