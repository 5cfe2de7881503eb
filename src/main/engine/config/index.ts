// The config module's public API: load and validate config.yaml, find it, and resolve its hosts.

export { defaultConfigPath, exampleConfig, minimalExample } from './default-path';
export { formatDuration, parseDuration } from './durations';
export { ConfigError, type ConfigIssue, formatIssue } from './errors';
export { folderKey, hashedSegment, isPlainSegment, safeSegment, workerFolders } from './folder-names';
export { loadConfig, type ParseOptions, parseConfig } from './load';
export { type ExecFileFn, type ResolveHostDeps, resolveHost } from './resolve-host';
export type {
  HostConfig,
  MetricsConfig,
  ProcessConfig,
  SyncRuleConfig,
  VigilConfig,
  WorkerConfig,
} from './types';
