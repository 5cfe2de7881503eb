/** out/cli/vigil.mjs: the bundled CLI's entry. */
export const ENTRY: string;
/** out/cli/inputs.json: the source files that went into the bundle. */
export const INPUTS: string;
/** The bundle is missing or older than one of its sources. */
export function isStale(): boolean;
/** Bundles the CLI into out/cli (built aside, swapped in); returns the entry's path. */
export function buildCli(): Promise<string>;
