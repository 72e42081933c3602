import { context, propagation, trace, type Tracer } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';

/** How long the last export may take at shutdown. */
const SHUTDOWN_EXPORT_MS = 2_000;

export interface Tracing {
  tracer: Tracer;
  /** Spans are recorded and exported (an OTLP endpoint is set); otherwise only trace context passes through. */
  recording: boolean;
  /** Exports what is still buffered; call before the process exits. */
  shutdown(): Promise<void>;
}

/**
 * Sets up OpenTelemetry for one service: W3C trace context (`traceparent`, `tracestate`) in and
 * out, and the active span carried across awaits. With an OTLP endpoint, spans are recorded and
 * exported to `<endpoint>/v1/traces` in batches; without one nothing is recorded or exported, yet
 * a caller's trace context still passes through (to the outbox, from the broker), so a trace
 * stays whole when only some of the services export.
 */
export function startTracing(serviceName: string, settings: { OTEL_EXPORTER_OTLP_ENDPOINT?: string | undefined }): Tracing {
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  const endpoint = settings.OTEL_EXPORTER_OTLP_ENDPOINT;
  if (endpoint === undefined) return { tracer: trace.getTracer(serviceName), recording: false, shutdown: async () => undefined };
  const provider = new TracerProvider({
    resource: resourceFromAttributes({ 'service.name': serviceName }),
    spanProcessors: [
      new BatchSpanProcessor({
        exporter: new OTLPTraceExporter({ url: `${endpoint.replace(/\/+$/, '')}/v1/traces` }),
        scheduledDelayMillis: 1000,
      }),
    ],
  });
  trace.setGlobalTracerProvider(provider);
  return {
    tracer: trace.getTracer(serviceName),
    recording: true,
    // The spans still buffered get one short chance at exit: a collector that is down must neither
    // fail the shutdown (exit 1) nor hold it while the exporter retries.
    shutdown: async () => {
      let timer: NodeJS.Timeout | undefined;
      const bound = new Promise<void>((resolve) => (timer = setTimeout(resolve, SHUTDOWN_EXPORT_MS)));
      await Promise.race([provider.shutdown().catch(() => undefined), bound]);
      clearTimeout(timer);
    },
  };
}
