// The order of a connection's SFTP reads. A host's workers read at once over one SFTP channel, and the
// server answers its requests one after another (OpenSSH's sftp-server is single-threaded): a read that
// hangs (a file on a stuck mount whose `stat` still answers) would hold up every read queued behind it,
// and its timeout then discards the channel under them all. So a path whose read got no answer in time
// is read on its own, once the reads of the moment are done, until it answers again; reads that arrive
// while it is out wait for it, so they are not queued behind it on the server.

export class ReadOrder {
  private readonly slow = new Set<string>();
  private plainInFlight = 0;
  private slowInFlight = 0;
  private waiters: (() => void)[] = [];

  run<T>(path: string, read: () => Promise<T>): Promise<T> {
    // The usual case, every path answering: no bookkeeping at all. (Reads started now are not counted, so
    // a path marked slow later does not wait for them: they were on the channel its timeout discarded.)
    if (this.slow.size === 0 && this.slowInFlight === 0) return read();
    return this.ordered(path, read);
  }

  private async ordered<T>(path: string, read: () => Promise<T>): Promise<T> {
    const slow = this.slow.has(path);
    if (slow) {
      // Let the reads of this burst start first, then wait for them to finish.
      await new Promise((r) => setImmediate(r));
      while (this.plainInFlight > 0) await this.change();
    } else {
      while (this.slowInFlight > 0) await this.change();
    }
    const counter = slow ? 'slowInFlight' : 'plainInFlight';
    this[counter]++;
    try {
      return await read();
    } finally {
      this[counter]--;
      this.wake();
    }
  }

  /** The path's read got no answer in time: from now on it is read alone. */
  markSlow(path: string): void {
    this.slow.add(path);
  }

  /** The path answered: it is read with the others again. */
  markAnswered(path: string): void {
    this.slow.delete(path);
  }

  isSlow(path: string): boolean {
    return this.slow.has(path);
  }

  private change(): Promise<void> {
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  private wake(): void {
    for (const w of this.waiters.splice(0)) w();
  }
}
