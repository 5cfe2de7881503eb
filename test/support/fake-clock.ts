// A clock the test moves by hand: timers fire in time order when advance() passes them.

import type { Clock, TimerHandle } from '../../src/shared/clock';

interface Timer {
  at: number;
  seq: number;
  fn: () => void;
}

export class FakeClock implements Clock {
  private t: number;
  private seq = 0;
  private timers: Timer[] = [];

  constructor(start = Date.UTC(2026, 10, 28, 3, 0, 0)) {
    this.t = start;
  }

  /** Jumps the clock without firing timers: a laptop waking from sleep. */
  jump(ms: number): void {
    this.t += ms;
  }

  now(): number {
    return this.t;
  }

  setTimeout(fn: () => void, ms: number): TimerHandle {
    const timer = { at: this.t + Math.max(0, ms), seq: this.seq++, fn };
    this.timers.push(timer);
    return { cancel: () => (this.timers = this.timers.filter((x) => x !== timer)) };
  }

  pending(): number {
    return this.timers.length;
  }

  /**
   * Moves time forward, firing due timers in order and letting promises settle between them;
   * `settle` waits for real I/O the timers started (e.g. a child process).
   */
  async advance(ms: number, settle?: () => Promise<void>): Promise<void> {
    const end = this.t + ms;
    for (;;) {
      await flush();
      this.timers.sort((a, b) => a.at - b.at || a.seq - b.seq);
      const next = this.timers[0];
      if (!next || next.at > end) break;
      this.timers.shift();
      // A timer overdue after a jump fires late, at "now": time never runs backwards.
      this.t = Math.max(this.t, next.at);
      next.fn();
      await flush();
      if (settle) await settle();
    }
    this.t = end;
    await flush();
    if (settle) await settle();
  }
}

/** Lets pending promise callbacks run. */
export async function flush(): Promise<void> {
  for (let i = 0; i < 20; i++) await new Promise<void>((r) => setImmediate(r));
}
