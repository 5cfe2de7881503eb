// What the host says: the probe script run in the control shell each poll, the vitals script at its own
// cadence, and the readers of their answers, in the framed format of frame.ts.

export { type FollowEvent, FollowStreamReader } from './follow-stream';
export {
  FOLLOW_ENV,
  FOLLOW_LAUNCH,
  FOLLOW_OVERLAP,
  FOLLOWER_PY,
  type FollowFileSpec,
  type FollowLivenessSpec,
  followFilesEnv,
  followListEnv,
} from './follower-script';
export {
  FollowerCannotAsk,
  requestScript,
  runVitalsViaFollower,
  type VitalsCourier,
  vitalsAsk,
  vitalsShape,
} from './follower-vitals';
export {
  decodeName,
  FILE_TYPES,
  type Frame,
  type Framed,
  NONCE_VAR,
  newNonce,
  printable,
  readFrames,
  SH_BYTES,
  SH_END,
  SH_PRELUDE,
} from './frame';
export {
  buildProbeScript,
  emptyProbeResult,
  type FileProbe,
  isGlob,
  notRegularMessage,
  type PidProbe,
  type ProbeRequest,
  type ProbeResult,
  parseProbeOutput,
  type RemoteFileStat,
  readPidAnswer,
  splitGlob,
} from './probe';
export { runProbe } from './run-probe';
export { runVitals } from './run-vitals';
export {
  type DiskReading,
  emptyReading,
  type GpuAnswer,
  type GpuApp,
  type GpuDevice,
  type GpuReading,
  type Pressure,
  type ProcStat,
  parseGpuApps,
  parseGpuDevices,
  parseVitalsOutput,
  type RootAnswer,
  type VitalsReading,
} from './vitals-parse';
export {
  buildVitalsScript,
  GPU_APPS_QUERY,
  GPU_QUERY,
  type VitalsRequest,
  type VitalsRoot,
  vitalsEnv,
} from './vitals-script';
