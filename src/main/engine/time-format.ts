// Human durations for reasons and tables: "45 s", "3 min", "2 h 5 min".

export function formatDuration(ms: number): string {
  const s = Math.round(Math.max(0, ms) / 1000);
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min`;
  const h = Math.floor(m / 60);
  if (h < 48) return m % 60 ? `${h} h ${m % 60} min` : `${h} h`;
  return `${Math.floor(h / 24)} d`;
}

export function formatAge(ms: number): string {
  if (ms < 1500) return 'just now';
  return `${formatDuration(ms)} ago`;
}
