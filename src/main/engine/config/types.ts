// The validated configuration, as the engine uses it. Durations are milliseconds; paths are as written
// (remote paths are resolved against the worker's dir by the engine, local ones are absolute).

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
}

export interface MetricsConfig {
  path: string;
  /** Forced format id; absent → detected. */
  format?: string;
  /** The loss metric's name; absent → DESIGN.md's rule. */
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
  sync: SyncRuleConfig[];
}

export interface VigilConfig {
  /** Absolute path of the file this came from. */
  file: string;
  /** ssh_config used to resolve aliases (default ~/.ssh/config). */
  sshConfig?: string;
  /** Poll interval while connected (default 1 s). */
  pollMs: number;
  /** Reminder interval of an open alert episode (default 1 h). */
  repeatAlertsMs: number;
  hosts: Record<string, HostConfig>;
  workers: WorkerConfig[];
}
