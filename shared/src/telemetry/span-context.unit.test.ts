import { context, propagation, ROOT_CONTEXT, trace, TraceFlags } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { contextFromHeaders, outboxSpanContext } from './span-context.ts';

const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
const spanId = '00f067aa0ba902b7';
const withSpan = trace.setSpanContext(ROOT_CONTEXT, { traceId, spanId, traceFlags: TraceFlags.SAMPLED, isRemote: true });

describe('trace context through the outbox and the broker', () => {
  beforeAll(() => propagation.setGlobalPropagator(new W3CTraceContextPropagator()));

  it("writes the active span's context as the Properties text Debezium's EventRouter reads", () => {
    expect(outboxSpanContext(withSpan)).toBe(`traceparent=00-${traceId}-${spanId}-01\n`);
  });

  it('writes nothing without a span context (Debezium then starts no trace)', () => {
    expect(outboxSpanContext(ROOT_CONTEXT)).toBeNull();
    expect(outboxSpanContext(context.active())).toBeNull();
  });

  it('reads traceparent as Debezium sends it (JSON-quoted), as bytes, or plain', () => {
    const traceparent = `00-${traceId}-${spanId}-01`;
    for (const value of [`"${traceparent}"`, Buffer.from(`"${traceparent}"`), traceparent]) {
      expect(trace.getSpanContext(contextFromHeaders({ traceparent: value }))).toMatchObject({ traceId, spanId, isRemote: true });
    }
  });

  it('starts a new trace from a missing, malformed or non-text traceparent', () => {
    for (const headers of [
      undefined,
      {},
      { traceparent: 'garbage' },
      { traceparent: '"00-zz-yy-01"' },
      { traceparent: { a: 1 } },
      { traceparent: 42 },
    ]) {
      expect(trace.getSpanContext(contextFromHeaders(headers))).toBeUndefined();
    }
  });
});
