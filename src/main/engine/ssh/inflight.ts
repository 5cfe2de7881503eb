// Requests in flight on one connection (a script run, an SFTP read). Each is bounded by its own timer, and a
// lost connection fails them all at once instead of at their timeouts.

import { type SettleOnce, settleOnce } from './settle-once';
import type { SshError } from './types';

export class InflightRequests {
  /** Rejecters of the requests in flight. */
  private readonly rejecters = new Set<(err: SshError) => void>();

  /**
   * Starts a request: `start` gets a settle-once handle and resolves or rejects it. If `timeoutMs` passes
   * first, `onTimeout` runs (to discard whatever is stuck) and the error it returns rejects the request.
   */
  track<T>(timeoutMs: number, onTimeout: () => Error, start: (request: SettleOnce<T>) => void): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const onLost = (err: SshError) => request.reject(err);
      const request = settleOnce<T>(resolve, reject, () => {
        clearTimeout(timer);
        this.rejecters.delete(onLost);
      });
      this.rejecters.add(onLost);
      const timer = setTimeout(() => request.reject(onTimeout()), timeoutMs);
      start(request);
    });
  }

  /** Like track(), with no bound of its own (the caller bounds it). */
  hold<T>(start: (request: SettleOnce<T>) => void): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const onLost = (err: SshError) => request.reject(err);
      const request = settleOnce<T>(resolve, reject, () => this.rejecters.delete(onLost));
      this.rejecters.add(onLost);
      start(request);
    });
  }

  /** Fails every request in flight with `err`. */
  failAll(err: SshError): void {
    for (const rejectPending of [...this.rejecters]) rejectPending(err);
    this.rejecters.clear();
  }
}
