// Settling a promise from callbacks that may fire more than once, or race each other: ssh2 may emit several
// `error` events for one failure and a `close` after them, and a timer races the reply it bounds.

export interface SettleOnce<T> {
  /** True once resolve() or reject() has won. */
  readonly settled: boolean;
  /**
   * Unless already settled: runs the cleanup, then `first` (last words: a step report, tearing down), then
   * resolves. Returns whether this call settled the promise.
   */
  resolve(value: T, first?: () => void): boolean;
  /** As resolve(), but rejects with `err`. */
  reject(err: Error, first?: () => void): boolean;
}

/** Wraps a promise's resolve and reject so that the first call wins and later ones are no-ops. */
export function settleOnce<T>(
  resolve: (value: T) => void,
  reject: (err: Error) => void,
  cleanup: () => void = () => {},
): SettleOnce<T> {
  let settled = false;
  const settle = (first: (() => void) | undefined, finish: () => void): boolean => {
    // Claimed before anything runs: `first` may call back in (a step listener that aborts, say).
    if (settled) return false;
    settled = true;
    cleanup();
    first?.();
    finish();
    return true;
  };
  return {
    get settled() {
      return settled;
    },
    resolve: (value, first) => settle(first, () => resolve(value)),
    reject: (err, first) => settle(first, () => reject(err)),
  };
}
