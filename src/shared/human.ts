// Numbers as people read them, in one place for the engine's reasons, the CLI, the notifications
// and the UI: "45 s", "3 min", "2 h 5 min"; "3 min ago"; "1.5 MiB".

/** A span of time: "45 s", "3 min", "2 h 5 min", "3 d". */
export function formatDuration(ms: number): string {
  const s = Math.round(Math.max(0, ms) / 1000);
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min`;
  const h = Math.floor(m / 60);
  if (h < 48) return m % 60 ? `${h} h ${m % 60} min` : `${h} h`;
  return `${Math.floor(h / 24)} d`;
}

/** How long ago: "just now" under 2 s (the UI's threshold too), else "3 min ago". */
export function formatAge(ms: number): string {
  if (ms < 1500) return 'just now';
  return `${formatDuration(ms)} ago`;
}

/** Bytes in binary units: "512 B", "3.0 MiB", "12 GiB" (one decimal under 10). */
export function formatBytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = Math.max(0, n);
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  if (i === 0) return `${Math.round(v)} B`;
  return `${v < 10 ? v.toFixed(1) : Math.round(v)} ${units[i]}`;
}

/** Time left until an ETA: "1 h 20 min left", "under a minute left" (no false precision in seconds). */
export function formatEta(etaMs: number, now: number): string {
  const left = etaMs - now;
  if (left < 60_000) return 'under a minute left';
  return `${formatDuration(left)} left`;
}

/** A pace: "2.5 steps/s", "12 steps/min", "3.2 steps/h" — the unit that gives a readable number. */
export function formatPace(perSecond: number, unit = 'steps'): string {
  const fmt = (v: number) => (v >= 100 ? String(Math.round(v)) : String(Number(v.toPrecision(2))));
  if (perSecond >= 1) return `${fmt(perSecond)} ${unit}/s`;
  if (perSecond * 60 >= 1) return `${fmt(perSecond * 60)} ${unit}/min`;
  return `${fmt(perSecond * 3600)} ${unit}/h`;
}
