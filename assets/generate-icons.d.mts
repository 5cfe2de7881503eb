/** Writes every tray icon and the app icon into outDir (default: assets/); returns the files written. */
export function writeIcons(outDir?: string): string[];
/** The colour of each state's Linux/Windows tray icon. */
export const STATE_COLORS: Record<'ok' | 'late' | 'alarm' | 'empty', [number, number, number]>;
