// The validated configuration, as the engine uses it. Durations are milliseconds; paths are as written
// (remote paths are resolved against the worker's dir by the engine, local ones are absolute).

import type { NotifyKind } from './notify-kinds';

export interface HostConfig {
  /** The key under `hosts:` (an ~/.ssh/config alias, or a name for a spelled-out host). */
  name: string;
  /** Spelled-out settings; each overrides what ~/.ssh/config says for the alias. */
  hostname?: string;
  port?: number;
  user?: string;
  identityFile?: string;
  knownHostsFile?: string;
  proxyJump?: string;
  /** Bounds; defaults: connect 15 s, keepalive every 10 s, 3 missed → unreachable. */
  connectTimeoutMs: number;
  keepaliveIntervalMs: number;
  keepaliveCountMax: number;
  /** Host vitals (memory, disks, GPUs, the workers' processes) and how often; null: `vitals: false`. */
  vitals?: { everyMs: number; gpuEveryMs: number } | null;
  /**
   * Follow the files (appended bytes streamed as they are written, process and mtime checked every
   * 10 s) where the host can; false: poll every `poll`. Absent means true.
   */
  follow?: boolean;
}

export interface MetricsConfig {
  path: string;
  /** Forced format id; absent → detected. */
  format?: string;
  /** The loss metric's name; absent → chosen by chooseLossMetric (src/shared/loss.ts). */
  loss?: string;
  /** For format 'regex': a regex with named groups. */
  regex?: string;
}

export type ProcessConfig = { pidFile: string } | { match: string };

export interface SyncRuleConfig {
  from: string;
  to?: string;
  everyMs?: number;
  include?: string[];
  exclude?: string[];
  bwlimit?: string;
  onFinish: boolean;
  onStall: boolean;
}

/** Overrides of the divergence judgement's thresholds (absent: the defaults, judge/divergence.ts). */
export interface DivergeConfig {
  /** Diverged when the loss is above factor × its best smoothed value... */
  factor?: number;
  /** ...for this share of the run so far (0.05 for "5%"). */
  share?: number;
}

export interface WorkerConfig {
  name: string;
  host: string;
  dir: string;
  metrics: MetricsConfig;
  log?: string;
  process?: ProcessConfig;
  /** Absent → learned from the worker's own pace, else 30 min. */
  stallAfterMs?: number;
  totalEpochs?: number;
  /** `false`: never judged diverged; absent: the default thresholds. */
  diverge?: DivergeConfig | false;
  sync: SyncRuleConfig[];
}

export interface VigilConfig {
  /** Absolute path of the file this came from. */
  file: string;
  /** ssh_config used to resolve aliases (default ~/.ssh/config). */
  sshConfig?: string;
  /** The local rsync to use (absolute); absent → Homebrew's, else the first on PATH or in /usr/bin. */
  rsync?: string;
  /** Poll interval while connected (default 1 s). */
  pollMs: number;
  /** Reminder interval of an open alert episode (default 1 h). */
  repeatAlertsMs: number;
  /** Where alerts are relayed besides the app's own notifications (`alerts.notify`). */
  notify: NotifyTarget[];
  hosts: Record<string, HostConfig>;
  workers: WorkerConfig[];
}

/** Where a secret is read at each use: a file (its content, trimmed) or an environment variable. */
export type SecretRef = { file: string } | { env: string };

/** ntfy priorities, by name (1 min … 5 max; "urgent" is 5 too). */
export type NtfyPriority = 'min' | 'low' | 'default' | 'high' | 'max' | 'urgent';

interface NotifyCommon {
  /** Stable id (type + what it points at, never a secret): the outbox keys deliveries by it. */
  id: string;
  /** How the UI, `vigil status` and logs name it: the type and a host or file, never a secret. */
  label: string;
  /** Alert kinds it takes (default: DEFAULT_NOTIFY_KINDS). */
  kinds: NotifyKind[];
}

export type NotifyTarget = NotifyCommon &
  (
    | { type: 'ntfy'; url: string; token?: SecretRef; priority?: NtfyPriority; click?: string }
    | { type: 'slack'; webhook: SecretRef }
    | { type: 'webhook'; url: string; secret?: SecretRef }
    | { type: 'command'; argv: string[] }
  );
