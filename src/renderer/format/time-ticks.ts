// Ticks for a time axis that differ from one another: nice steps (1 s … 1 week), placed on multiples of
// the step in local time, each labelled as precisely as its step needs — seconds when the step is under a
// minute, the date when the span crosses midnight. Four ticks all reading "17:28" said nothing.

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const STEPS = [
  SECOND,
  2 * SECOND,
  5 * SECOND,
  10 * SECOND,
  15 * SECOND,
  30 * SECOND,
  MINUTE,
  2 * MINUTE,
  5 * MINUTE,
  10 * MINUTE,
  15 * MINUTE,
  30 * MINUTE,
  HOUR,
  2 * HOUR,
  3 * HOUR,
  6 * HOUR,
  12 * HOUR,
  DAY,
  2 * DAY,
  7 * DAY,
];

export interface TimeTicks {
  ticks: number[];
  format(ms: number): string;
}

const pad = (n: number) => String(n).padStart(2, '0');
const localOffset = (ms: number) => -new Date(ms).getTimezoneOffset() * MINUTE;

/** About `target` ticks between `from` and `to` (ms since the epoch), and how to label them. */
export function timeTicks(from: number, to: number, target = 5): TimeTicks {
  const span = Math.max(0, to - from);
  const step = STEPS.find((s) => span / s <= target) ?? STEPS.at(-1)!;
  const ticks: number[] = [];
  // Multiples of the step in local time (an hourly tick on the hour, a daily one at midnight).
  const first = Math.ceil((from + localOffset(from)) / step) * step - localOffset(from);
  for (let t = first; t <= to && ticks.length < 100; t += step) ticks.push(t);
  if (ticks.length === 0) ticks.push(from);
  const withDate = new Date(from).toDateString() !== new Date(to).toDateString();
  return {
    ticks,
    format(ms) {
      const d = new Date(ms);
      const date = `${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
      const hm = `${pad(d.getHours())}:${pad(d.getMinutes())}`;
      if (step >= DAY) return date;
      const time = step < MINUTE ? `${hm}:${pad(d.getSeconds())}` : hm;
      // Across midnight the date goes on the first tick and on the first of each new day only: a date on
      // every tick made the labels so wide that the chart hid all but two of them.
      const newDay = ms === ticks[0] || d.toDateString() !== new Date(ms - step).toDateString();
      return withDate && newDay ? `${date} ${time}` : time;
    },
  };
}

/** One time, to the second (a tooltip, a caption). */
export function formatTimeOfDay(ms: number): string {
  const d = new Date(ms);
  return `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}
