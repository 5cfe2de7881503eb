// The local side of remote files: the data folder (where, one writer at a time), each file followed
// into its mirror from a cursor, and the metrics stream that turns mirrored bytes into records.

export { defaultDataDir } from './data-dir';
export { DataDirBusyError, type DataLock, tryLockDataDir } from './data-lock';
export {
  type FollowedFile,
  type LogTee,
  MetricsSource,
  mirrorSource,
  type SavedMetrics,
} from './metrics-source';
export { LocalStoreError, readJson, writeAtomically } from './mirror';
export { localSegment, mirrorRelativePath } from './mirror-paths';
export { nearestPath, nearestPathScript } from './nearest-path';
export { type ReadRange, type SavedCursor, TrackedFile } from './tracked-file';
export { HISTORY_BOUNDS, thinSamples, VitalsHistory } from './vitals-history';
