// Results brought home with the system rsync over the system ssh: planning, running, history.

export { reapOwnedMasters } from './control-master';
export { loadSyncHistory, saveSyncHistory, syncStatesFromHistory } from './history-file';
export { SyncManager, type SyncManagerOptions } from './manager';
