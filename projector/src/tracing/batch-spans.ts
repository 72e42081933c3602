import type { ConsumeMessage } from 'amqplib';
import { ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, type Link, type Span } from '@opentelemetry/api';
import { HEADERS, headerText } from '@shop/shared/events';
import { contextFromHeaders, type Tracer } from '@shop/shared/telemetry';
import type { Verdict } from '@shop/shared/consumer';

/**
 * Traces one batch: a span for the batch, linked to the trace of every event in it (a batch
 * mixes many writes), and a span per event that continues the event's own trace (from the
 * `traceparent` Debezium sent with it), so the trace of one write runs from the HTTP request to
 * the read model. Each event span ends with its verdict: applied, requeued, or parked (an error,
 * with the reason). Events without a trace context get no span of their own.
 */
export async function traceBatch(
  tracer: Tracer,
  messages: ConsumeMessage[],
  handle: () => Promise<Verdict[]>,
): Promise<Verdict[]> {
  const contexts = messages.map((msg) => ({ msg, parent: contextFromHeaders(msg.properties.headers) }));
  const links: Link[] = contexts.flatMap(({ parent }) => {
    const linked = trace.getSpanContext(parent);
    return linked ? [{ context: linked }] : [];
  });
  return tracer.startActiveSpan(
    'projector apply batch',
    {
      kind: SpanKind.CONSUMER,
      links,
      attributes: {
        'messaging.system': 'rabbitmq',
        'messaging.operation.type': 'process',
        'messaging.batch.message_count': messages.length,
        'messaging.rabbitmq.destination.routing_key': messages[0]?.fields.routingKey ?? '',
      },
    },
    ROOT_CONTEXT,
    async (batchSpan) => {
      const eventSpans = new Map<ConsumeMessage, Span>();
      for (const { msg, parent } of contexts) {
        if (!trace.getSpanContext(parent)) continue;
        const type = headerText(msg.properties.headers?.[HEADERS.eventType]) ?? 'event';
        eventSpans.set(
          msg,
          tracer.startSpan(
            `project ${type}`,
            {
              kind: SpanKind.CONSUMER,
              links: [{ context: batchSpan.spanContext() }],
              attributes: { 'messaging.message.id': headerText(msg.properties.headers?.[HEADERS.eventId]) ?? '' },
            },
            parent,
          ),
        );
      }
      try {
        const verdicts = await handle();
        for (const verdict of verdicts) endWithVerdict(eventSpans.get(verdict.msg), verdict);
        return verdicts;
      } catch (err) {
        batchSpan.setStatus({ code: SpanStatusCode.ERROR, message: err instanceof Error ? err.message : String(err) });
        for (const span of eventSpans.values()) span.setStatus({ code: SpanStatusCode.ERROR, message: 'batch retried' });
        throw err;
      } finally {
        for (const span of eventSpans.values()) if (span.isRecording()) span.end();
        batchSpan.end();
      }
    },
  );
}

function endWithVerdict(span: Span | undefined, verdict: Verdict) {
  if (!span) return;
  span.setAttribute('projector.verdict', verdict.action);
  if (verdict.action === 'dead-letter') span.setStatus({ code: SpanStatusCode.ERROR, message: verdict.reason });
  span.end();
}
