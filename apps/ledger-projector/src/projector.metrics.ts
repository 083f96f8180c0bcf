import { Counter, Gauge, Histogram } from 'prom-client';
import { metricsRegistry } from '@ideamine/telemetry';

export const projectorEvents = new Counter({
  name: 'im_projector_events_total',
  help: 'Stream messages handled by the projector, by outcome (applied, duplicate, rejected, unknown_type, skipped)',
  labelNames: ['outcome'] as const,
  registers: [metricsRegistry],
});

export const projectorBatchSize = new Histogram({
  name: 'im_projector_batch_messages',
  help: 'Messages per committed projection batch',
  buckets: [1, 5, 20, 50, 100, 250, 500, 1000, 2000],
  registers: [metricsRegistry],
});

export const projectorBatchSeconds = new Histogram({
  name: 'im_projector_batch_duration_seconds',
  help: 'Time to write and commit one projection batch',
  buckets: [0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
  registers: [metricsRegistry],
});

export const projectorPosition = new Gauge({
  name: 'im_projector_position',
  help: 'Last IM_EVENTS sequence committed to the read models',
  registers: [metricsRegistry],
});

export const projectorLag = new Gauge({
  name: 'im_projector_lag_messages',
  help: 'IM_EVENTS messages not yet in the read models (stream last sequence minus position)',
  registers: [metricsRegistry],
});

export const projectorLagSeconds = new Gauge({
  name: 'im_projector_lag_seconds',
  help: 'Age of the oldest buffered message not yet committed (0 when caught up)',
  registers: [metricsRegistry],
});

/** 1 while the alarm is raised: stream_regressed, poison_event, stale_version. */
export const projectorAlarm = new Gauge({
  name: 'im_projector_alarm',
  help: 'Projector alarms (1 = raised): stream_regressed (the stream went backwards), poison_event (an event cannot be projected), stale_version (a read model needs a replay)',
  labelNames: ['alarm', 'projection'] as const,
  registers: [metricsRegistry],
});
