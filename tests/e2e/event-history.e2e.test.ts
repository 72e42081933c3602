import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { describeDeadLetter, redrive, visitDeadLetters } from '@shop/shared/messaging';
import { commandApi, eventually, getIfFound, postJson, queryApi, stackDatabases } from '../support/clients.ts';
import { openApiValidator } from '../support/openapi-check.ts';
import { withBroker } from '../support/publish.ts';

const stack = inject('stack');
const names = { exchange: stack.EVENTS_EXCHANGE, queue: stack.PROJECTOR_QUEUE };

interface HistoryEvent {
  eventId: string;
  type: string;
  schemaVersion: number;
  position: number;
  occurredAt: string;
  payload: Record<string, unknown>;
  state: 'applied' | 'parked' | 'missing' | 'pending';
  reason: string | null;
}
interface History {
  aggregateType: string;
  aggregateId: number;
  events: HistoryEvent[];
  next: number | null;
}

const q = (path: string) => `${queryApi(stack)}${path}`;
async function get(path: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(q(path));
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}
async function patch(path: string, body: unknown) {
  const res = await fetch(`${commandApi(stack)}${path}`, {
    method: 'PATCH',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  expect(res.status).toBe(200);
}
const history = async (path: string) => {
  const res = await get(path);
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body as unknown as History;
};
/** Every page of a history, following `next`. */
async function allPages(base: string, limit: number): Promise<{ pages: History[]; events: HistoryEvent[] }> {
  const pages: History[] = [];
  let after: number | null = 0;
  while (after !== null) {
    const page = await history(`${base}?after=${after}&limit=${limit}`);
    pages.push(page);
    after = page.next;
  }
  return { pages, events: pages.flatMap((p) => p.events) };
}
const asOf = (path: string, at: string) => get(`${path}?asOf=${encodeURIComponent(at)}`);
/** The same instant as `iso` (UTC, to the microsecond) written at +01:00. */
function inPlusOne(iso: string): string {
  const [, micros] = /\.(\d{6})Z$/.exec(iso)!;
  return `${new Date(Date.parse(iso) + 3_600_000).toISOString().slice(0, 19)}.${micros}+01:00`;
}
/** A moment before `iso` (an occurredAt to the microsecond), in RFC 3339. */
const secondBefore = (iso: string) => new Date(Date.parse(iso) - 1000).toISOString();

describe('event history and time travel against the running pipeline', () => {
  const { read } = stackDatabases(stack);
  const blockedName = `History blocked ${Date.now()}`;
  let parkedEventId: string | undefined;
  let check: ReturnType<typeof openApiValidator>;

  beforeAll(async () => {
    check = openApiValidator(await (await fetch(q('/openapi.json'))).json());
  });

  afterAll(async () => {
    await read.query('ALTER TABLE read.products DROP CONSTRAINT IF EXISTS test_history_blocked');
    // Leave the DLQ as we found it: our dead letter, if still there, goes.
    if (parkedEventId !== undefined) {
      await withBroker(stack, (connection) =>
        visitDeadLetters(connection, names, async (msg, channel) => {
          if (describeDeadLetter(msg).eventId !== parkedEventId) return 'keep';
          channel.ack(msg);
          return 'settled';
        }),
      );
    }
  });

  it('an order placed then cancelled: its history in log order, and asOf answers each state it was in', async () => {
    const product = await postJson(`${commandApi(stack)}/api/products`, {
      name: 'History mug',
      category: 'history',
      price: 4.5,
      stock: 10,
    });
    const productId = product.body.productId as number;
    const placed = await postJson(`${commandApi(stack)}/api/orders`, {
      customerId: 4242,
      items: [{ productId, quantity: 2 }],
    });
    expect(placed.status).toBe(201);
    const orderId = placed.body.orderId as number;
    const whenPlaced = await eventually(() => getIfFound(q(`/api/orders/${orderId}`)));
    expect(whenPlaced).toMatchObject({ status: 'placed' });
    expect((await postJson(`${commandApi(stack)}/api/orders/${orderId}/cancel`, {})).status).toBe(200);
    const whenCancelled = await eventually(async () => {
      const order = (await get(`/api/orders/${orderId}`)).body;
      return order.status === 'cancelled' ? order : undefined;
    });

    const h = await eventually(async () => {
      const page = await history(`/api/orders/${orderId}/events`);
      return page.events.length === 2 && page.events.every((e) => e.state === 'applied') ? page : undefined;
    });
    expect(check('/api/orders/{id}/events', 'get', 200, h)).toEqual([]);
    expect(h).toMatchObject({ aggregateType: 'order', aggregateId: orderId, next: null });
    const [placement, cancel] = h.events as [HistoryEvent, HistoryEvent];
    expect(placement).toMatchObject({ type: 'OrderPlaced', schemaVersion: 2, state: 'applied', reason: null });
    expect(placement.payload).toMatchObject({ orderId, customerId: 4242, currency: 'USD' });
    expect(cancel).toMatchObject({ type: 'OrderCancelled', state: 'applied', reason: null });
    expect(placement.position).toBeLessThan(cancel.position);
    expect(placement.occurredAt).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/);

    const path = `/api/orders/${orderId}`;
    const before = await asOf(path, secondBefore(placement.occurredAt));
    expect(before.status).toBe(404);
    expect(before.body).toMatchObject({ error: 'not_found' });
    // At the placement's own time (to the microsecond, inclusive) and until the cancel: placed.
    const atPlacement = await asOf(path, placement.occurredAt);
    expect(atPlacement.status).toBe(200);
    expect(atPlacement.body).toEqual(whenPlaced);
    expect(check('/api/orders/{id}', 'get', 200, atPlacement.body)).toEqual([]);
    // The same moment written with an offset.
    expect((await asOf(path, inPlusOne(placement.occurredAt))).body).toEqual(whenPlaced);
    expect((await asOf(path, cancel.occurredAt)).body).toEqual(whenCancelled);
    expect((await asOf(path, '9999-12-31T23:59:59Z')).body).toEqual(whenCancelled);

    // Time travel wrote nothing: the read models still answer as before.
    expect((await get(path)).body).toEqual(whenCancelled);
  });

  it('a product created then updated: asOf answers each state, in the shape of the plain read', async () => {
    const created = await postJson(`${commandApi(stack)}/api/products`, {
      name: 'Travel kettle',
      category: 'history',
      price: 20,
      stock: 3,
    });
    const productId = created.body.productId as number;
    const path = `/api/products/${productId}`;
    const first = await eventually(() => getIfFound(q(path)));
    await patch(path, { name: 'Travel kettle II', price: 25.5 });
    const second = await eventually(async () => {
      const p = (await get(path)).body;
      return p.name === 'Travel kettle II' ? p : undefined;
    });
    await patch(path, { stock: 7 });
    const third = await eventually(async () => {
      const p = (await get(path)).body;
      return p.stock === 7 ? p : undefined;
    });

    const { events } = await history(`/api/products/${productId}/events`);
    expect(events.map((e) => e.type)).toEqual(['ProductCreated', 'ProductUpdated', 'ProductUpdated']);
    const [c, u1, u2] = events as [HistoryEvent, HistoryEvent, HistoryEvent];
    expect((await asOf(path, secondBefore(c.occurredAt))).status).toBe(404);
    expect((await asOf(path, c.occurredAt)).body).toEqual(first);
    expect((await asOf(path, u1.occurredAt)).body).toEqual(second);
    expect((await asOf(path, u2.occurredAt)).body).toEqual(third);
    expect(first).toEqual({ productId, name: 'Travel kettle', category: 'history', price: 20, stock: 3 });
    expect(second).toMatchObject({ name: 'Travel kettle II', price: 25.5, stock: 3 });
    expect(check('/api/products/{id}', 'get', 200, (await asOf(path, u1.occurredAt)).body)).toEqual([]);
  });

  it('lists a parked event with its reason among applied ones, across pages in position order; re-driven, it is applied', async () => {
    await read.query(`ALTER TABLE read.products ADD CONSTRAINT test_history_blocked CHECK (name <> '${blockedName}')`);
    const created = await postJson(`${commandApi(stack)}/api/products`, {
      name: blockedName,
      category: 'history',
      price: 1,
      stock: 1,
    });
    const productId = created.body.productId as number;
    const base = `/api/products/${productId}/events`;
    const parked = await eventually(async () => {
      const first = (await history(base)).events[0];
      return first?.state === 'parked' ? first : undefined;
    }, 30_000);
    parkedEventId = parked.eventId;
    expect(parked).toMatchObject({ type: 'ProductCreated' });
    expect(parked.reason).toMatch(/projection failed .*test_history_blocked/);

    // Four more events of the product, applied (the name no longer blocked).
    for (const stock of [2, 3, 4, 5]) await patch(`/api/products/${productId}`, { name: `Unblocked ${productId}`, stock });
    let last: History | undefined;
    const whole = await eventually(async () => {
      last = await history(`${base}?limit=500`);
      return last.events.length === 5 && last.events.slice(1).every((e) => e.state === 'applied') ? last : undefined;
    }, 20_000).catch((err: Error) => {
      throw new Error(`${err.message}; last: ${JSON.stringify(last?.events.map((e) => [e.type, e.state, e.reason]))}`);
    });
    expect(whole.next).toBeNull();
    expect(whole.events.map((e) => e.state)).toEqual(['parked', 'applied', 'applied', 'applied', 'applied']);

    const { pages, events } = await allPages(base, 2);
    expect(pages.map((p) => p.events.length)).toEqual([2, 2, 1]);
    expect(pages.map((p) => p.next)).toEqual([events[1]!.position, events[3]!.position, null]);
    expect(events).toEqual(whole.events);
    const positions = events.map((e) => e.position);
    expect(positions).toEqual([...positions].sort((a, b) => a - b));
    expect(new Set(positions).size).toBe(5);
    // After the last event: an empty page, not a 404 (the product has events).
    expect(await history(`${base}?after=${positions[4]}`)).toMatchObject({ events: [], next: null });

    await read.query('ALTER TABLE read.products DROP CONSTRAINT test_history_blocked');
    const redriven = await withBroker(stack, async (connection) => {
      let count = 0;
      await visitDeadLetters(connection, names, async (msg, channel) => {
        if (describeDeadLetter(msg).eventId !== parked.eventId) return 'keep';
        count += (await redrive(channel, names, msg)) ? 1 : 0;
        return 'settled';
      });
      return count;
    });
    expect(redriven).toBe(1);
    await eventually(async () => ((await history(base)).events[0]?.state === 'applied' ? true : undefined));
  });

  it('refuses malformed ids, cursors, limits and times with 400, and answers 404 for an id with no event', async () => {
    for (const path of [
      '/api/orders/abc/events',
      '/api/orders/0/events',
      '/api/products/1/events?after=-1',
      '/api/products/1/events?after=x',
      '/api/products/1/events?limit=0',
      '/api/products/1/events?limit=501',
      '/api/orders/1/events?limit=1.5',
      '/api/orders/1?asOf=2026-12-07',
      '/api/orders/1?asOf=2026-12-07T21:00:00',
      '/api/products/1?asOf=2026-02-30T00:00:00Z',
      '/api/products/1?asOf=yesterday',
    ]) {
      const res = await get(path);
      expect(res.status, path).toBe(400);
      expect(res.body, path).toMatchObject({ error: 'validation_failed' });
    }
    expect((await get('/api/orders/1?asOf=now')).body).toMatchObject({ fields: [{ field: 'asOf' }] });

    const unknown = 2_147_483_000;
    for (const path of [
      `/api/orders/${unknown}/events`,
      `/api/products/${unknown}/events`,
      `/api/orders/${unknown}?asOf=2026-12-07T21:00:00Z`,
      `/api/products/${unknown}?asOf=9999-12-31T23:59:59Z`,
    ]) {
      const res = await get(path);
      expect(res.status, path).toBe(404);
      expect(res.body, path).toMatchObject({ error: 'not_found' });
    }
  });
});
