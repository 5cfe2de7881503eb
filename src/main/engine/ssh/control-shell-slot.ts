// The session's control shell, held across runs: opened on first use, and forgotten when it ends (timeout,
// exit, lost) so that the next run opens a new one.

import type { Client } from 'ssh2';
import { CONTROL_COMMAND, ControlShell, openExec } from './control-shell';
import { SshError } from './types';

export class ControlShellSlot {
  private current: Promise<ControlShell> | null = null;

  constructor(
    private readonly client: Client,
    /** Names the host in messages. */
    private readonly hostName: string,
    /** False once the connection has ended: a shell that finishes opening after that is closed at once. */
    private readonly isAlive: () => boolean,
  ) {}

  /** The current control shell, opening one if there is none. */
  get(): Promise<ControlShell> {
    if (!this.current) {
      const p = openExec(this.client, CONTROL_COMMAND).then(
        (channel) => {
          const shell = new ControlShell(channel, this.hostName);
          // When it ends (timeout, exit, lost), forget it so the next run() opens a new one.
          shell.onceEnded(() => {
            if (this.current === p) this.current = null;
          });
          if (!this.isAlive() || this.current !== p) shell.destroy();
          return shell;
        },
        (err: Error) => {
          if (this.current === p) this.current = null;
          throw new SshError('channel', `cannot open a shell on ${this.hostName}: ${err.message}`);
        },
      );
      this.current = p;
    }
    return this.current;
  }

  /** Forgets a control shell still being opened; it is closed when (if) the open completes. */
  drop(): void {
    this.current = null;
  }

  /** The connection is ending: closes the control shell, opened or still opening, and forgets it. */
  close(): void {
    const control = this.current;
    this.current = null;
    void control?.then((s) => s.destroy()).catch(() => {});
  }
}
