// Time as a port. Everything that reads the time or waits goes through a Clock — the engine, the
// Electron shell, the channel client's command timeouts, the renderer's ticking ages — so a test drives
// every time-dependent path with a fake clock (test/support/fake-clock.ts) instead of sleeping.

export interface TimerHandle {
  cancel(): void;
}

export interface Clock {
  /** Milliseconds since the Unix epoch. */
  now(): number;
  /** Calls fn once after ms. */
  setTimeout(fn: () => void, ms: number): TimerHandle;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout(fn, ms) {
    const t = setTimeout(fn, ms);
    return { cancel: () => clearTimeout(t) };
  },
};

/** Resolves after ms on the given clock. */
export function sleep(clock: Clock, ms: number): Promise<void> {
  return new Promise((resolve) => clock.setTimeout(resolve, ms));
}

/** Calls fn every ms on the given clock until cancelled (each next call scheduled after the last). */
export function every(clock: Clock, ms: number, fn: () => void): TimerHandle {
  let current: TimerHandle | null = null;
  let cancelled = false;
  const schedule = () => {
    current = clock.setTimeout(() => {
      if (cancelled) return;
      fn();
      schedule();
    }, ms);
  };
  schedule();
  return {
    cancel: () => {
      cancelled = true;
      current?.cancel();
    },
  };
}
