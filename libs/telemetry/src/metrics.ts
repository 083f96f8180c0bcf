import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** One registry per process; every service exposes it on GET /metrics. */
export const metricsRegistry = new Registry();
collectDefaultMetrics({ register: metricsRegistry });

export const messagesHandled = new Counter({
  name: 'im_messages_handled_total',
  help: 'Messages handled by a consumer, by outcome (ack, retry, dead-letter, ignored)',
  labelNames: ['consumer', 'outcome'] as const,
  registers: [metricsRegistry],
});

export const handlerSeconds = new Histogram({
  name: 'im_handler_duration_seconds',
  help: 'Time spent handling one message',
  labelNames: ['consumer'] as const,
  buckets: [0.005, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 15, 60],
  registers: [metricsRegistry],
});

export const eventsPublished = new Counter({
  name: 'im_events_published_total',
  help: 'Messages published to JetStream, by type and whether the server deduplicated them',
  labelNames: ['type', 'duplicate'] as const,
  registers: [metricsRegistry],
});
