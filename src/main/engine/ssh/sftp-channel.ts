// The session's SFTP channel: opened on the first read and shared by the reads after it; forgotten when it
// closes or fails to open, so that the next read starts a new one.

import type { Client, SFTPWrapper } from 'ssh2';
import { SshError } from './types';

export class SftpChannel {
  private current: Promise<SFTPWrapper> | null = null;

  constructor(
    private readonly client: Client,
    /** Names the host in messages. */
    private readonly hostName: string,
  ) {}

  /** The current SFTP channel, starting one if there is none. */
  get(): Promise<SFTPWrapper> {
    if (!this.current) {
      const p = new Promise<SFTPWrapper>((resolve, reject) => {
        try {
          this.client.sftp((err, sftp) => {
            if (err) {
              reject(this.startFailed(err));
              return;
            }
            // An `error` with no listener would crash the process; reads learn of failures in their callbacks.
            sftp.on('error', () => {});
            sftp.on('close', () => {
              if (this.current === p) this.current = null;
            });
            resolve(sftp);
          });
        } catch (err) {
          reject(this.startFailed(err as Error));
        }
      });
      p.catch(() => {
        if (this.current === p) this.current = null;
      });
      this.current = p;
    }
    return this.current;
  }

  /**
   * Gives up on `channel` after a request got stuck on it. Replies to a stuck request may still come in any
   * order: start a new SFTP channel for the next read.
   */
  discard(channel: Promise<SFTPWrapper>): void {
    if (this.current === channel) this.current = null;
    void channel.then((s) => s.end()).catch(() => {});
  }

  /** The connection is ending and takes the channel with it: just forget it. */
  forget(): void {
    this.current = null;
  }

  private startFailed(err: Error): SshError {
    return new SshError('channel', `cannot start SFTP on ${this.hostName}: ${err.message}`);
  }
}
