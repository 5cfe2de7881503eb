/** The Apple credential sets electron-builder's notarization reads. */
export const NOTARY_SETS: string[][];
/** The platforms to build, the settings laid over electron-builder.yml, and notes on signing. */
export function distPlan(
  env: NodeJS.ProcessEnv,
  platform: NodeJS.Platform,
  argv?: string[],
): {
  platforms: ('mac' | 'linux' | 'win')[];
  config: { mac?: { identity?: string; notarize?: boolean } };
  notes: string[];
};
