// What the menubar icon says at a glance, as a pure function of the fleet. Never a false all-clear:
// a worker not yet contacted is "late" (unsure), not "ok".

import { ALARM_STATUSES, type FleetSnapshot, STATUS_SEVERITY, type WorkerStatus } from '../../shared/model';

export type TrayIconName = 'ok' | 'late' | 'alarm' | 'empty';

export interface TrayState {
  icon: TrayIconName;
  tooltip: string;
  /** Text next to the icon (macOS only); empty when nothing is wrong. */
  title: string;
}

const ALL_WELL: readonly WorkerStatus[] = ['running', 'finished'];

// Windows truncates tray tooltips at 127 characters.
const TOOLTIP_MAX = 127;

function clip(text: string): string {
  return text.length <= TOOLTIP_MAX ? text : `${text.slice(0, TOOLTIP_MAX - 1)}…`;
}

function countsByStatus(statuses: WorkerStatus[]): string {
  const counts = new Map<WorkerStatus, number>();
  for (const s of statuses) counts.set(s, (counts.get(s) ?? 0) + 1);
  return [...counts.entries()]
    .sort((a, b) => STATUS_SEVERITY[a[0]] - STATUS_SEVERITY[b[0]])
    .map(([status, n]) => `${n} ${status === 'unknown' ? 'not yet checked' : status}`)
    .join(', ');
}

export function chooseTrayState(snapshot: FleetSnapshot | null): TrayState {
  if (snapshot === null) return { icon: 'late', tooltip: 'Vigil — starting…', title: '' };
  if (snapshot.configError !== null) {
    return {
      icon: 'alarm',
      tooltip: clip(`Vigil — configuration error: ${snapshot.configError}`),
      title: '⚠',
    };
  }
  const workers = snapshot.workers;
  if (workers.length === 0) return { icon: 'empty', tooltip: 'Vigil — no workers configured', title: '' };

  const alarmed = workers.filter((w) => ALARM_STATUSES.includes(w.status));
  const summary = countsByStatus(workers.map((w) => w.status));
  if (alarmed.length > 0) {
    const names = alarmed
      .sort((a, b) => STATUS_SEVERITY[a.status] - STATUS_SEVERITY[b.status])
      .map((w) => `${w.name} ${w.status}`)
      .join(', ');
    return { icon: 'alarm', tooltip: clip(`Vigil — ${names} · ${summary}`), title: `${alarmed.length} ⚠` };
  }
  // A host warning (memory nearly exhausted, a disk nearly full…) is trouble coming: "late", not "ok".
  const warned = hostWarnings(snapshot);
  if (warned !== null) return { icon: 'late', tooltip: clip(`Vigil — ${warned} · ${summary}`), title: '' };
  // Green only for statuses known to be well: any other (late, not yet checked, or one added later
  // and not listed here) shows the unsure icon, never the all-clear.
  if (workers.some((w) => !ALL_WELL.includes(w.status))) {
    return { icon: 'late', tooltip: clip(`Vigil — ${summary}`), title: '' };
  }
  return { icon: 'ok', tooltip: clip(`Vigil — all well: ${summary}`), title: '' };
}

/** "warning on ec2: memory nearly exhausted (+1)", or null when no host has a warning. */
function hostWarnings(snapshot: FleetSnapshot): string | null {
  const warned = (snapshot.hosts ?? []).filter((h) => h.warnings.length > 0);
  if (warned.length === 0) return null;
  const first = warned[0]!;
  const headline = first.warnings[0]!.text.split(':')[0];
  const more = warned.reduce((n, h) => n + h.warnings.length, 0) - 1;
  return `warning on ${first.name}: ${headline}${more > 0 ? ` (+${more})` : ''}`;
}

/**
 * The image for a state; Electron picks the @2x file next to it on HiDPI screens. macOS tints template
 * images for its menubar; Linux and Windows show images as they are, on dark or light panels, so they
 * get the coloured ones (assets/generate-icons.mjs).
 */
export function trayIconFile(icon: TrayIconName, platform: NodeJS.Platform): string {
  return platform === 'darwin' ? `tray-${icon}Template.png` : `tray-${icon}-color.png`;
}
