// rsync's exit codes (rsync(1), EXIT VALUES) and what they mean for the person waiting for their results.
// Pure: the facts (stderr, the destination's free space and permissions) are gathered by the caller.

import { formatBytes } from '../../../shared/human';

export type SyncSeverity = 'ok' | 'warning' | 'error';

export type SyncFailure =
  | 'unreachable' // the host did not answer or the connection broke
  | 'auth' // the host answered but refused our key
  | 'host-key' // unknown or changed host key
  | 'local-disk' // cannot write on this computer
  | 'remote' // a problem on the remote side (missing path, rsync not installed, permissions)
  | 'partial' // some files were not transferred
  | 'stopped' // stopped by Vigil or the user
  | 'internal'; // usage, protocol or rsync's own failure

export interface ExitFacts {
  code: number | null;
  /** The signal that ended rsync, when it did not exit by itself. */
  signal?: NodeJS.Signals | null;
  stderr: string;
  /** The local destination folder. */
  to: string;
  /** The host's name, for messages. */
  host: string;
  /** Free bytes on the destination's file system, when known. */
  freeBytes?: number | null;
  /** Whether the destination folder is writable, when known. */
  writable?: boolean | null;
  /** Set when Vigil's no-progress watchdog ended the transfer. */
  watchdogSec?: number | null;
  /** Set when the caller cancelled it. */
  cancelled?: boolean;
}

export interface ExitMeaning {
  severity: SyncSeverity;
  failure: SyncFailure | null;
  message: string;
}

const NAMES: Record<number, string> = {
  1: 'syntax or usage error',
  2: 'protocol incompatibility',
  3: 'errors selecting input/output files or folders',
  4: 'requested action not supported (by this computer or the remote rsync)',
  5: 'error starting the client-server protocol',
  6: 'daemon unable to append to log file',
  10: 'error in socket I/O',
  11: 'error in file I/O',
  12: 'error in the rsync protocol data stream',
  13: 'errors with program diagnostics',
  14: 'error in IPC code',
  15: 'sibling process crashed',
  16: 'sibling process was killed by a signal',
  19: 'received SIGUSR1',
  20: 'received SIGINT, SIGTERM or SIGHUP',
  21: 'some error returned by waitpid()',
  22: 'error allocating core memory buffers',
  23: 'partial transfer due to error',
  24: 'partial transfer due to vanished source files',
  25: 'the --max-delete limit stopped deletions',
  30: 'timeout in data send/receive',
  35: 'timeout waiting for daemon connection',
  127: 'rsync not found',
  255: 'the ssh connection failed',
};

const UNREACHABLE = new Set([10, 12, 30, 35, 255]);

/** The most telling stderr line (rsync prints several; ssh's own reason comes first). */
function firstLine(stderr: string, re: RegExp): string | null {
  for (const line of stderr.split('\n')) if (re.test(line)) return line.trim();
  return null;
}

export function describeExit(f: ExitFacts): ExitMeaning {
  const err = f.stderr;
  if (f.cancelled) return { severity: 'error', failure: 'stopped', message: 'stopped before it finished' };
  if (f.watchdogSec != null) {
    return {
      severity: 'error',
      failure: 'unreachable',
      message: `${f.host} unreachable: no data moved for ${f.watchdogSec} s, transfer stopped (it resumes from the partial data next time)`,
    };
  }
  if (f.code === 0) return { severity: 'ok', failure: null, message: 'ok' };
  if (f.code === null) {
    return {
      severity: 'error',
      failure: 'internal',
      message: `rsync was killed by ${f.signal ?? 'a signal'}`,
    };
  }

  // ssh's own reasons, whatever code rsync turned them into.
  if (
    /Host key verification failed|REMOTE HOST IDENTIFICATION HAS CHANGED|No .* host key is known/i.test(err)
  ) {
    return {
      severity: 'error',
      failure: 'host-key',
      message: `host key of ${f.host} is unknown or has changed: refused (run \`vigil doctor\` for the fix)`,
    };
  }
  if (/Permission denied \(publickey|Too many authentication failures/i.test(err)) {
    return {
      severity: 'error',
      failure: 'auth',
      message: `${f.host} refused the SSH key (${firstLine(err, /Permission denied|Too many/i)})`,
    };
  }
  if (/(rsync|rsync:)[^\n]*(command not found|not found)/i.test(err) || f.code === 127) {
    return {
      severity: 'error',
      failure: 'remote',
      message: `rsync is not installed on ${f.host} (install it there: sudo apt install rsync)`,
    };
  }

  const name = NAMES[f.code] ?? 'unknown error';
  if (f.code === 23 || f.code === 24) {
    const detail = firstLine(err, /^rsync: |No such file|Permission denied|vanished/);
    if (detail && /change_dir .* failed|link_stat .* failed/.test(detail)) {
      // The source itself is missing: nothing was transferred, not a partial success.
      return { severity: 'error', failure: 'remote', message: `remote path missing on ${f.host}: ${detail}` };
    }
    return {
      severity: 'warning',
      failure: 'partial',
      message: `${name} (code ${f.code})${detail ? `: ${detail}` : ''}`,
    };
  }
  if (UNREACHABLE.has(f.code)) {
    const why = firstLine(
      err,
      /Connection (timed out|refused|closed|reset)|timed out|Could not resolve|No route|Network is unreachable|Broken pipe|connection unexpectedly closed|Timeout/i,
    );
    return {
      severity: 'error',
      failure: 'unreachable',
      message: `${f.host} unreachable: ${name} (code ${f.code})${why ? `: ${why}` : ''}`,
    };
  }
  if (f.code === 11) {
    const parts = [`cannot write to ${f.to}`];
    if (f.writable === false) parts.push('the folder is not writable by you');
    if (f.freeBytes != null) parts.push(`${formatBytes(f.freeBytes)} free there`);
    const detail = firstLine(err, /^rsync: |No space|Permission denied|Read-only/i);
    return {
      severity: 'error',
      failure: 'local-disk',
      message: `local disk: ${parts.join(', ')} (code 11: ${name})${detail ? `: ${detail}` : ''}`,
    };
  }
  if (f.code === 3) {
    const detail = firstLine(err, /^rsync: /);
    return {
      severity: 'error',
      failure: 'remote',
      message: `${name} (code 3)${detail ? `: ${detail}` : ''}`,
    };
  }
  if (f.code === 20) return { severity: 'error', failure: 'stopped', message: `stopped: ${name} (code 20)` };
  const detail = firstLine(err, /^rsync( error)?: /);
  return {
    severity: 'error',
    failure: 'internal',
    message: `rsync failed: ${name} (code ${f.code})${detail ? `: ${detail}` : ''}`,
  };
}
