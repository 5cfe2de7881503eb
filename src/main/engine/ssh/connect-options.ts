// The caller's side of connecting (ConnectOptions): step reports for `vigil doctor`, and the abort signal.

import type { ConnectOptions, ConnectStep } from './types';

/** Reports steps to the caller; a throwing listener must not break the connection. */
export type StepFn = (step: ConnectStep, ok: boolean, detail: string) => void;

/** The caller's onStep, made safe to call, with `prefix` before each detail (names a jump host). */
export function stepper(opts: ConnectOptions, prefix: string): StepFn {
  return (step, ok, detail) => {
    try {
      opts.onStep?.(step, ok, prefix + detail);
    } catch {
      // The listener's problem, not the connection's.
    }
  };
}

/** The signal's reason if it is an Error, else an AbortError. */
export function abortError(signal: AbortSignal): Error {
  return signal.reason instanceof Error ? signal.reason : new DOMException('connect aborted', 'AbortError');
}

/** Calls `onAbort` when `signal` aborts (at once if it already has); returns what stops listening. */
export function whenAborted(signal: AbortSignal | undefined, onAbort: (err: Error) => void): () => void {
  if (!signal) return () => {};
  const listener = () => onAbort(abortError(signal));
  if (signal.aborted) {
    listener();
    return () => {};
  }
  signal.addEventListener('abort', listener, { once: true });
  return () => signal.removeEventListener('abort', listener);
}
