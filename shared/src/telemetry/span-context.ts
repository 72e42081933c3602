import { context, propagation, ROOT_CONTEXT, trace, type Context, type TextMapGetter } from '@opentelemetry/api';
import { headerText } from '../events/headers.ts';

/**
 * The active span's W3C context in the form Debezium's outbox EventRouter reads from the outbox
 * column `tracingspancontext`: java.util.Properties text, one `key=value` per line
 * (`traceparent=00-<trace id>-<span id>-01`, and `tracestate=…` when there is one). Null when
 * there is no valid span context (no caller's trace and nothing recorded here): Debezium then
 * starts no trace for the event.
 */
export function outboxSpanContext(active: Context = context.active()): string | null {
  if (!trace.getSpanContext(active)) return null;
  const carrier: Record<string, string> = {};
  propagation.inject(active, carrier);
  const lines = Object.entries(carrier)
    .filter(([key]) => key === 'traceparent' || key === 'tracestate')
    .map(([key, value]) => `${key}=${escapeProperty(value)}`);
  return lines.length > 0 ? `${lines.join('\n')}\n` : null;
}

/** In a Properties value a backslash starts an escape (tracestate values may hold one). */
const escapeProperty = (value: string) => value.replaceAll('\\', '\\\\');

/**
 * The trace context a message carries in its AMQP headers (`traceparent`, `tracestate`), which
 * Debezium's JSON header converter sends JSON-quoted; a missing or unreadable one gives the root
 * context (a new trace).
 */
export function contextFromHeaders(headers: Record<string, unknown> | undefined): Context {
  return headers ? propagation.extract(ROOT_CONTEXT, headers, amqpHeaders) : ROOT_CONTEXT;
}

const amqpHeaders: TextMapGetter<Record<string, unknown>> = {
  keys: (carrier) => Object.keys(carrier),
  get: (carrier, key) => headerText(carrier[key]),
};
