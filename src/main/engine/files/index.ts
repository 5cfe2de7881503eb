// The local side of remote files: the data folder (where, one writer at a time), each file followed
// into its mirror from a cursor, and the metrics stream that turns mirrored bytes into records.

export { defaultDataDir } from './data-dir';
export { type DataLock, tryLockDataDir } from './data-lock';
export { MetricsSource, mirrorSource, type SavedMetrics } from './metrics-source';
export { readJson, writeAtomically } from './mirror';
export { mirrorRelativePath, safeSegment } from './mirror-paths';
export { type ReadRange, type SavedCursor, TrackedFile } from './tracked-file';
export { HISTORY_BOUNDS, thinSamples, VitalsHistory } from './vitals-history';
