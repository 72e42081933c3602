import { context, SpanKind, trace } from '@opentelemetry/api';
import { ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import { describe, expect, it } from 'vitest';
import { decodeTraceExport } from './protobuf-spans.ts';

describe('decodeTraceExport (the test OTLP receiver)', () => {
  it('reads back what the OpenTelemetry SDK serializes: ids, parents, names, links, attributes, service', () => {
    const exporter = new InMemorySpanExporter();
    const provider = new TracerProvider({
      resource: resourceFromAttributes({ 'service.name': 'decoder-test' }),
      spanProcessors: [new SimpleSpanProcessor({ exporter })],
    });
    const tracer = provider.getTracer('t');
    const root = tracer.startSpan('POST /api/orders', {
      kind: SpanKind.SERVER,
      attributes: { 'http.response.status_code': 201 },
    });
    const child = tracer.startSpan(
      'project OrderPlaced',
      { links: [{ context: root.spanContext() }] },
      trace.setSpan(context.active(), root),
    );
    child.setAttribute('messaging.message.id', 'a7c1…');
    child.end();
    root.end();

    const body = ProtobufTraceSerializer.serializeRequest(exporter.getFinishedSpans());
    const spans = decodeTraceExport(body!);
    expect(spans).toHaveLength(2);
    const [decodedChild, decodedRoot] = spans;
    expect(decodedRoot).toMatchObject({
      service: 'decoder-test',
      name: 'POST /api/orders',
      traceId: root.spanContext().traceId,
      spanId: root.spanContext().spanId,
      parentSpanId: '',
      attributes: { 'http.response.status_code': '201' },
    });
    expect(decodedChild).toMatchObject({
      name: 'project OrderPlaced',
      traceId: root.spanContext().traceId,
      parentSpanId: root.spanContext().spanId,
      links: [{ traceId: root.spanContext().traceId, spanId: root.spanContext().spanId }],
      attributes: { 'messaging.message.id': 'a7c1…' },
    });
  });

  it('refuses a truncated body instead of inventing spans', () => {
    expect(() => decodeTraceExport(Uint8Array.from([0x0a, 0x10, 0x01]))).toThrow(/truncated/);
  });
});
