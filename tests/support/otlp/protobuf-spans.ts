/**
 * Just enough of protobuf's wire format to read the spans out of an OTLP/HTTP export
 * (ExportTraceServiceRequest, opentelemetry/proto/collector/trace/v1): Debezium's Java SDK sends
 * protobuf only. Unknown fields are skipped, as protobuf requires. For tests: the OTLP receiver.
 */
export interface ReceivedSpan {
  service: string;
  traceId: string;
  spanId: string;
  parentSpanId: string;
  name: string;
  links: { traceId: string; spanId: string }[];
  attributes: Record<string, string>;
}

type Field = { number: number; wire: number; value: bigint | Uint8Array };

function* fields(buf: Uint8Array): Generator<Field> {
  let at = 0;
  const varint = (): bigint => {
    let result = 0n;
    for (let shift = 0n; ; shift += 7n) {
      if (at >= buf.length) throw new Error('truncated varint');
      const byte = buf[at++]!;
      result |= BigInt(byte & 0x7f) << shift;
      if ((byte & 0x80) === 0) return result;
    }
  };
  const take = (n: number) => {
    if (at + n > buf.length) throw new Error('truncated field');
    const slice = buf.subarray(at, at + n);
    at += n;
    return slice;
  };
  while (at < buf.length) {
    const key = Number(varint());
    const number = key >>> 3;
    const wire = key & 7;
    if (wire === 0) yield { number, wire, value: varint() };
    else if (wire === 1) yield { number, wire, value: take(8) };
    else if (wire === 2) yield { number, wire, value: take(Number(varint())) };
    else if (wire === 5) yield { number, wire, value: take(4) };
    else throw new Error(`unsupported wire type ${wire}`);
  }
}

const bytesOf = (f: Field) => f.value as Uint8Array;
const text = (f: Field) => new TextDecoder().decode(bytesOf(f));
const hex = (f: Field) => Buffer.from(bytesOf(f)).toString('hex');
const messages = (buf: Uint8Array, number: number) =>
  [...fields(buf)].filter((f) => f.number === number && f.wire === 2).map(bytesOf);

/** KeyValue { key = 1; AnyValue value = 2 }, AnyValue { string_value = 1; bool = 2; int = 3; double = 4 }: as text. */
function attributes(buf: Uint8Array, number: number): Record<string, string> {
  const out: Record<string, string> = {};
  for (const kv of messages(buf, number)) {
    let key = '';
    let value = '';
    for (const f of fields(kv)) {
      if (f.number === 1) key = text(f);
      if (f.number === 2)
        for (const v of fields(bytesOf(f))) {
          if (v.number === 1) value = text(v);
          else if (v.number === 2 || v.number === 3) value = String(v.value);
        }
    }
    out[key] = value;
  }
  return out;
}

/** ResourceSpans = 1 { Resource = 1 { attributes = 1 }, ScopeSpans = 2 { Span = 2 } }. */
export function decodeTraceExport(body: Uint8Array): ReceivedSpan[] {
  const spans: ReceivedSpan[] = [];
  for (const resourceSpans of messages(body, 1)) {
    const resource = messages(resourceSpans, 1)[0];
    const service = resource ? (attributes(resource, 1)['service.name'] ?? '') : '';
    for (const scopeSpans of messages(resourceSpans, 2))
      for (const span of messages(scopeSpans, 2)) spans.push({ service, ...decodeSpan(span) });
  }
  return spans;
}

/** Span { trace_id = 1; span_id = 2; parent_span_id = 4; name = 5; attributes = 9; links = 13 { trace_id = 1; span_id = 2 } }. */
function decodeSpan(buf: Uint8Array): Omit<ReceivedSpan, 'service'> {
  const span = { traceId: '', spanId: '', parentSpanId: '', name: '' };
  for (const f of fields(buf)) {
    if (f.number === 1) span.traceId = hex(f);
    else if (f.number === 2) span.spanId = hex(f);
    else if (f.number === 4) span.parentSpanId = hex(f);
    else if (f.number === 5) span.name = text(f);
  }
  const links = messages(buf, 13).map((link) => {
    const l = { traceId: '', spanId: '' };
    for (const f of fields(link)) {
      if (f.number === 1) l.traceId = hex(f);
      else if (f.number === 2) l.spanId = hex(f);
    }
    return l;
  });
  return { ...span, links, attributes: attributes(buf, 9) };
}
