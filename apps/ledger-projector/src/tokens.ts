export const DATA_SOURCE = Symbol('DATA_SOURCE');
export const PROJECTOR_OPTIONS = Symbol('PROJECTOR_OPTIONS');

export interface ProjectorOptions {
  /** Messages per batch at most. */
  batchSize: number;
  /** A batch is written at the latest this long after its first message. */
  flushMs: number;
  /** How often the stream is checked for regressions and the lag measured. */
  checkEveryMs: number;
  /** How long to wait before retrying at a poison event. */
  poisonRetryMs: number;
}
