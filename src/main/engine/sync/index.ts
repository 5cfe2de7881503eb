// Results brought home with the system rsync over the system ssh: planning, running, history.

export { reapOwnedMasters } from './control-master';
export { loadSyncHistory, mergeSyncHistory, saveSyncHistory, syncStatesFromHistory } from './history-file';
export { SyncManager, type SyncManagerOptions } from './manager';
export {
  describeFlavour,
  limitsOf,
  RSYNC_FIX,
  type RsyncCaps,
  type RsyncFlavour,
} from './rsync-flavour';
export { findSyncTools, SyncToolError, type SyncTools } from './sync-tools';
