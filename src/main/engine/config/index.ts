// The config module's public API: load and validate config.yaml, find it, and resolve its hosts.

export { defaultConfigPath, exampleConfig, minimalExample } from './default-path';
export { formatDuration, parseDuration } from './durations';
export { ConfigError, type ConfigIssue, formatIssue } from './errors';
export { folderKey, hashedSegment, isPlainSegment, safeSegment, workerFolders } from './folder-names';
export { loadConfig, type ParseOptions, parseConfig } from './load';
export {
  HOMEBREW_BIN,
  isExecutableFile,
  type LocateOptions,
  locateAll,
  locateTool,
  searchDirs,
} from './locate-tool';
export { DEFAULT_NOTIFY_KINDS, isNotifyKind, NOTIFY_KINDS, type NotifyKind } from './notify-kinds';
export { type ExecFileFn, type ResolveHostDeps, resolveHost } from './resolve-host';
export { plainHostNames, sshHostLines } from './ssh-hosts';
export type {
  DivergeConfig,
  HostConfig,
  MetricsConfig,
  NotifyTarget,
  NtfyPriority,
  ProcessConfig,
  SecretRef,
  SyncRuleConfig,
  VigilConfig,
  WorkerConfig,
} from './types';
