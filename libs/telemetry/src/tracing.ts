import { context, propagation, trace, Span, SpanKind } from '@opentelemetry/api';
import type { MsgHdrs } from 'nats';

let started = false;

/**
 * Starts the OpenTelemetry Node SDK when an OTLP endpoint is configured. Without one, spans are
 * no-ops but traceparent still propagates across NATS hops, so an operator can enable tracing by
 * setting OTEL_EXPORTER_OTLP_ENDPOINT alone.
 */
export async function startTracing(service: string): Promise<void> {
  if (started || !process.env.OTEL_EXPORTER_OTLP_ENDPOINT) return;
  started = true;
  process.env.OTEL_SERVICE_NAME ??= `ideamine-${service}`;
  const { NodeSDK } = await import('@opentelemetry/sdk-node');
  const sdk = new NodeSDK();
  sdk.start();
  process.once('beforeExit', () => void sdk.shutdown());
}

export const tracer = () => trace.getTracer('ideamine');

/** Writes the active trace context into NATS headers (W3C traceparent). */
export function injectTraceContext(headers: MsgHdrs): void {
  propagation.inject(context.active(), headers, { set: (h, k, v) => h.set(k, v) });
}

/** Runs fn inside a consumer span whose parent is the traceparent carried by the message. */
export async function withMessageSpan<T>(name: string, headers: MsgHdrs | undefined, attrs: Record<string, string>, fn: (span: Span) => Promise<T>): Promise<T> {
  const parent = headers
    ? propagation.extract(context.active(), headers, { get: (h, k) => h.get(k) || undefined, keys: (h) => h.keys() })
    : context.active();
  return context.with(parent, () =>
    tracer().startActiveSpan(name, { kind: SpanKind.CONSUMER, attributes: attrs }, async (span) => {
      try {
        return await fn(span);
      } finally {
        span.end();
      }
    }),
  );
}
