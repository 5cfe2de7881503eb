// What the host says each poll: the probe script run in the control shell and the parser of its answer.

export {
  buildProbeScript,
  type FileProbe,
  isGlob,
  type ProbeRequest,
  type ProbeResult,
  parseProbeOutput,
  type RemoteFileStat,
  splitGlob,
} from './probe';
