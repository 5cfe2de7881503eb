// Numbers as people read them, in one place for the engine's reasons, the CLI, the notifications
// and the UI: "45 s", "3 min", "2 h 5 min", "1 d 6 h"; "3 min ago"; "0.4213", "NaN", "∞"; "1.5 MiB".
// Every shell says a number the same way, so a row in the popover and a line of `vigil status` that
// describe the same worker read the same.

/** A span of time: "45 s", "3 min", "2 h 5 min", "1 d 6 h", "12 d". */
export function formatDuration(ms: number): string {
  const s = Math.round(Math.max(0, ms) / 1000);
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min`;
  const h = Math.floor(m / 60);
  if (h < 24) return m % 60 ? `${h} h ${m % 60} min` : `${h} h`;
  const d = Math.floor(h / 24);
  // Past ten days the hours no longer tell anyone anything.
  return h % 24 && d < 10 ? `${d} d ${h % 24} h` : `${d} d`;
}

/** How long ago: "just now" under 2 s (as rounded; a clock a little ahead too), else "3 min ago". */
export function formatAge(ms: number): string {
  if (ms < 1500) return 'just now';
  return `${formatDuration(ms)} ago`;
}

/** How long ago an ISO time was: "never" for none, "unknown" for a time that does not parse. */
export function formatSince(iso: string | null | undefined, now: number): string {
  if (iso === null || iso === undefined) return 'never';
  const then = Date.parse(iso);
  if (Number.isNaN(then)) return 'unknown';
  return formatAge(now - then);
}

// Intl rounds to significant digits without toPrecision's exponent for 12345 ("1.235e+4").
const SIGNIFICANT = new Intl.NumberFormat('en-US', { maximumSignificantDigits: 4, useGrouping: false });
const COUNT = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });

/**
 * A metric value: "0.4213", "3.00e-4", "1.23e+5"; NaN and infinities spelled out (a NaN loss must be
 * seen, never shown as a dash); "—" when there is none.
 */
export function formatMetric(v: number | null | undefined): string {
  if (v === null || v === undefined) return '—';
  if (Number.isNaN(v)) return 'NaN';
  if (v === Number.POSITIVE_INFINITY) return '∞';
  if (v === Number.NEGATIVE_INFINITY) return '−∞';
  if (v === 0) return '0';
  const abs = Math.abs(v);
  if (abs >= 1e5 || abs < 1e-3) return v.toExponential(2);
  return SIGNIFICANT.format(v);
}

/** A count people read at a glance: "1,234,567". */
export function formatCount(n: number): string {
  return Number.isFinite(n) ? COUNT.format(n) : formatMetric(n);
}

/** "12 / 50", "3.5" (Hugging Face's fractional epochs), "—" before the first epoch. */
export function formatEpoch(w: { epoch: number | null; totalEpochs: number | null }): string {
  if (w.epoch === null) return '—';
  const epoch = Number.isInteger(w.epoch) ? String(w.epoch) : w.epoch.toFixed(1);
  return w.totalEpochs === null ? epoch : `${epoch} / ${w.totalEpochs}`;
}

/** Memory and disks in binary gigabytes, as `free -g`, `df -h` and EC2's instance sizes count them. */
const GIB = 2 ** 30;
const TENTHS = new Intl.NumberFormat('en-US', { maximumFractionDigits: 1, useGrouping: false });

/**
 * RAM, swap, disks and GPU memory: "41 MB" under half a gigabyte, "2.6 GB", "64 GB" (no ".0"),
 * "22.5 GB", "484 GB" from 100 GB on; "—" when unknown. `unit: false` gives the number alone, for
 * "2.6 / 64 GB".
 */
export function formatGigabytes(bytes: number | null | undefined, unit = true): string {
  if (bytes === null || bytes === undefined || !Number.isFinite(bytes)) return '—';
  if (bytes > 0 && bytes < GIB / 2) return `${Math.max(1, Math.round(bytes / 2 ** 20))} MB`;
  const v = bytes / GIB;
  const n = v < 100 ? TENTHS.format(v) : String(Math.round(v));
  return unit ? `${n} GB` : n;
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
