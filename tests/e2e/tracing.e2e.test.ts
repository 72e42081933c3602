import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { TEST_OTLP_PORT } from '../../infra/src/stack-config.ts';
import { commandApi, eventually, getIfFound, postJson, queryApi, stackDatabases } from '../support/clients.ts';
import type { ReceivedSpan } from '../support/otlp/protobuf-spans.ts';
import { startOtlpReceiver } from '../support/otlp/receiver.ts';

const stack = inject('stack');
const { write } = stackDatabases(stack);

let receiver: Awaited<ReturnType<typeof startOtlpReceiver>>;

const hex = (bytes: number) => randomBytes(bytes).toString('hex');
const spansOf = (traceId: string) => receiver.spans.filter((s) => s.traceId === traceId);
const one = (spans: ReceivedSpan[], service: string, name: string) => spans.find((s) => s.service === service && s.name === name);

async function postTraced(url: string, body: unknown, traceparent?: string) {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(traceparent ? { traceparent } : {}) },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as { orderId: number } };
}

/**
 * One trace per write, end to end, through the real stack: the test stack exports every
 * service's spans and Debezium Server's to this file's OTLP receiver (OTEL_EXPORTER_OTLP_ENDPOINT,
 * infra/src/stack-config.ts). The command API continues the caller's trace and stores its
 * context in the outbox, Debezium's EventRouter continues it (db-log-write, debezium-read) and
 * sends `traceparent` to RabbitMQ, and the projector continues it for the event it applies.
 */
describe('tracing: one trace from the HTTP request to the read model', () => {
  beforeAll(async () => {
    receiver = await startOtlpReceiver(TEST_OTLP_PORT);
  });
  afterAll(async () => {
    await receiver?.close();
  });

  it("continues the caller's trace through the command API, Debezium and the projector, and the read", async () => {
    const product = await postJson(`${commandApi(stack)}/api/products`, {
      name: 'Traced',
      category: 'trace',
      price: 3,
      stock: 10,
    });
    const traceId = hex(16);
    const callerSpan = hex(8);
    const traceparent = `00-${traceId}-${callerSpan}-01`;
    const order = await postTraced(
      `${commandApi(stack)}/api/orders`,
      { customerId: 11, items: [{ productId: product.body.productId, quantity: 2 }] },
      traceparent,
    );
    expect(order.status).toBe(201);
    await eventually(() => getIfFound(`${queryApi(stack)}/api/orders/${order.body.orderId}`), 30_000);
    await fetch(`${queryApi(stack)}/api/orders/${order.body.orderId}`, { headers: { traceparent } });

    const spans = await eventually(async () => {
      const found = spansOf(traceId);
      const complete =
        one(found, 'command-api', 'POST /api/orders') &&
        one(found, 'debezium-server', 'db-log-write') &&
        one(found, 'debezium-server', 'debezium-read') &&
        found.some((s) => s.service === 'projector' && s.name === 'project OrderPlaced') &&
        found.some((s) => s.service === 'query-api');
      return complete ? found : undefined;
    }, 30_000);

    const http = one(spans, 'command-api', 'POST /api/orders')!;
    const logWrite = one(spans, 'debezium-server', 'db-log-write')!;
    const read = one(spans, 'debezium-server', 'debezium-read')!;
    const projected = spans.find((s) => s.service === 'projector' && s.name === 'project OrderPlaced')!;
    // One chain of parents: caller -> command API -> Debezium's db-log-write -> debezium-read, and
    // db-log-write (whose context Debezium sends) -> the projector's span for the event.
    expect(http.parentSpanId).toBe(callerSpan);
    expect(http.attributes['http.route']).toBe('/api/orders');
    expect(logWrite.parentSpanId).toBe(http.spanId);
    expect(read.parentSpanId).toBe(logWrite.spanId);
    expect(projected.parentSpanId).toBe(logWrite.spanId);
    expect(projected.attributes['projector.verdict']).toBe('ack');
    // The batch that applied it is its own span, linked to the event's trace.
    const batch = receiver.spans.find((s) => s.spanId === projected.links[0]?.spanId);
    expect(batch).toMatchObject({ service: 'projector', name: 'projector apply batch' });
    expect(batch!.links).toContainEqual({ traceId, spanId: logWrite.spanId });
    expect(one(spans, 'query-api', 'GET /api/orders/:id')?.parentSpanId).toBe(callerSpan);
  });

  it('starts the trace at the command API when the caller sends none, and the outbox row carries it', async () => {
    const product = await postJson(`${commandApi(stack)}/api/products`, {
      name: 'Untraced',
      category: 'trace',
      price: 1,
      stock: 5,
    });
    const { rows } = await write.query<{ context: string }>(
      `SELECT tracingspancontext AS context FROM outbox WHERE aggregatetype = 'product' AND aggregateid = $1`,
      [String(product.body.productId)],
    );
    const traceparent = /^traceparent=00-([0-9a-f]{32})-([0-9a-f]{16})-01$/m.exec(rows[0]!.context);
    expect(traceparent, `tracingspancontext ${rows[0]!.context}`).not.toBeNull();
    const [, traceId, spanId] = traceparent!;
    const spans = await eventually(async () => {
      const found = spansOf(traceId!);
      return found.some((s) => s.service === 'projector') && found.some((s) => s.service === 'debezium-server')
        ? found
        : undefined;
    }, 30_000);
    const http = one(spans, 'command-api', 'POST /api/products')!;
    expect(http).toMatchObject({ spanId, parentSpanId: '' });
    expect(one(spans, 'projector', 'project ProductCreated')).toBeDefined();
  });
});
