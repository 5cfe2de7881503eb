// What the host says each poll: the probe script run in the control shell and the reader of its answer,
// in the framed format of frame.ts (which other remote reports reuse).

export {
  decodeName,
  type Frame,
  type Framed,
  NONCE_VAR,
  printable,
  readFrames,
  SH_BYTES,
  SH_END,
  SH_PRELUDE,
} from './frame';
export {
  buildProbeScript,
  type FileProbe,
  isGlob,
  notRegularMessage,
  type PidProbe,
  type ProbeRequest,
  type ProbeResult,
  parseProbeOutput,
  type RemoteFileStat,
  splitGlob,
} from './probe';
export { runProbe } from './run-probe';
