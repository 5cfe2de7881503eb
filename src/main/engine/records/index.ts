// A worker's records held in bounded memory, and the downsampled series the charts ask for.

export { METRICS_HELD, RECORDS_HELD, RecordStore } from './record-store';
export { seriesFor } from './series-source';
export { StepUnfolder, stepAxis } from './step-unfold';
