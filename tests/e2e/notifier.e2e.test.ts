import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { logFile, stackDirs } from '../../infra/src/native/processes.ts';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { verifySignature } from '../../notifier/src/delivery/signing.ts';
import { commandApi, eventually, postJson, stackDatabases } from '../support/clients.ts';
import {
  killNotifier,
  notifierDlq,
  notifierHealth,
  notifierUrl,
  restoreStackNotifier,
  runNotifier,
} from '../support/notifier.ts';
import { random } from '../support/random.ts';
import { answer, startWebhookReceiver, type WebhookReceiver } from '../support/webhook-receiver.ts';

const stack = inject('stack');
const SECRET = 'notifier-e2e-secret-0123456789abcdef';

interface OutboxEvent {
  id: string;
  type: 'OrderPlaced' | 'OrderCancelled';
  orderId: number;
  position: number;
}

describe('notifier', () => {
  const { write, read } = stackDatabases(stack);
  const receivers: WebhookReceiver[] = [];
  const receiver = async (...args: Parameters<typeof startWebhookReceiver>) => {
    const r = await startWebhookReceiver(...args);
    receivers.push(r);
    return r;
  };

  afterAll(async () => {
    // The stack's notifier (table mode) for the files that run after this one.
    await restoreStackNotifier(stack);
    await Promise.all(receivers.map((r) => r.close()));
  });

  const highestPosition = async () =>
    Number((await write.query(`SELECT coalesce(max(position), 0)::text AS p FROM outbox`)).rows[0].p);

  /** The order events written after `after`, in log order. */
  async function orderEventsAfter(after: number): Promise<OutboxEvent[]> {
    const { rows } = await write.query(
      `SELECT id::text, type, aggregateid, position::text FROM outbox
        WHERE position > $1::bigint AND type IN ('OrderPlaced', 'OrderCancelled') ORDER BY position`,
      [after],
    );
    return rows.map((r) => ({ id: r.id, type: r.type, orderId: Number(r.aggregateid), position: Number(r.position) }));
  }

  async function inboxStates(ids: string[]) {
    const { rows } = await read.query(
      `SELECT event_id::text AS id, state, attempts, last_error, body FROM notifier.inbox WHERE event_id = ANY($1::uuid[])`,
      [ids],
    );
    return new Map(
      rows.map((r) => [r.id as string, r as { state: string; attempts: number; last_error: string | null; body: string }]),
    );
  }

  async function product(stock = 1_000_000): Promise<number> {
    const res = await postJson(`${commandApi(stack)}/api/products`, {
      name: 'Notified',
      category: 'notifier',
      price: 3.5,
      stock,
    });
    return res.body.productId as number;
  }

  async function placeOrder(productId: number, customerId: number): Promise<number> {
    const res = await postJson(`${commandApi(stack)}/api/orders`, { customerId, items: [{ productId, quantity: 1 }] });
    expect(res.status).toBe(201);
    return res.body.orderId as number;
  }

  async function cancel(orderId: number): Promise<void> {
    const res = await fetch(`${commandApi(stack)}/api/orders/${orderId}/cancel`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
    });
    expect(res.status).toBe(200);
  }

  it('table mode (no NOTIFIER_WEBHOOK_URL): GET /api/notifications?orderId= answers the recorded notifications in order', async () => {
    await restoreStackNotifier(stack);
    expect((await notifierHealth(stack))?.mode).toBe('table');
    const productId = await product();
    const orderId = await placeOrder(productId, 7);
    await cancel(orderId);
    const body = await eventually(async () => {
      const res = await fetch(`${notifierUrl(stack)}/api/notifications?orderId=${orderId}`);
      const json = (await res.json()) as {
        notifications: { type: string; state: string; notification: Record<string, unknown> }[];
      };
      return json.notifications.length === 2 ? json : undefined;
    }, 30_000);
    expect(body.notifications.map((n) => [n.type, n.state])).toEqual([
      ['OrderPlaced', 'recorded'],
      ['OrderCancelled', 'recorded'],
    ]);
    expect(body.notifications[0]!.notification).toMatchObject({ type: 'OrderPlaced', orderId, customerId: 7, version: 2 });
    expect((body.notifications[0]!.notification.payload as { items: unknown[] }).items).toHaveLength(1);
    const bad = await fetch(`${notifierUrl(stack)}/api/notifications?orderId=abc`);
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ error: 'validation_failed' });
    const none = (await (await fetch(`${notifierUrl(stack)}/api/notifications?orderId=2147483000`)).json()) as {
      notifications: unknown[];
    };
    expect(none.notifications).toEqual([]);
  }, 60_000);

  it('500 orders and 50 cancels through a receiver failing 20% with 500s and a notifier SIGKILLed mid-run: every event received, signed, answered 2xx, in order per order', async () => {
    const rnd = random(2026);
    const hook = await receiver(SECRET, () => ({ status: rnd.next() < 0.2 ? 500 : 200 }));
    const env = {
      NOTIFIER_WEBHOOK_URL: hook.url,
      NOTIFIER_WEBHOOK_SECRET: SECRET,
      NOTIFIER_MAX_ATTEMPTS: '12',
      NOTIFIER_RETRY_BASE_MS: '20',
      NOTIFIER_RETRY_MAX_MS: '500',
    };
    await runNotifier(stack, env);
    const before = await highestPosition();
    const productIds = [await product(), await product(), await product()];
    const orders: number[] = [];
    const started = Date.now();
    for (let wave = 0; wave < 50; wave++) {
      const placed = await Promise.all(
        Array.from({ length: 10 }, (_, i) => placeOrder(productIds[(wave + i) % 3]!, 1 + ((wave * 10 + i) % 40))),
      );
      orders.push(...placed);
      if (wave % 10 === 9) await Promise.all(orders.slice(wave - 9, wave + 1).map((id) => cancel(id)));
      if (wave === 25) {
        // Mid-run: deliveries in hand are lost with the process; the new one gets them again.
        killNotifier(stack);
        await sleep(200);
        await runNotifier(stack, env);
      }
    }
    const events = await orderEventsAfter(before);
    expect(events.filter((e) => e.type === 'OrderPlaced')).toHaveLength(500);
    expect(events.filter((e) => e.type === 'OrderCancelled')).toHaveLength(50);
    const ids = events.map((e) => e.id);
    await eventually(async () => {
      const states = await inboxStates(ids);
      return ids.every((id) => states.get(id)?.state === 'delivered') ? true : undefined;
    }, 180_000);
    const elapsedS = (Date.now() - started) / 1000;

    const byEvent = new Map<string, typeof hook.requests>();
    for (const r of hook.requests) byEvent.set(r.eventId ?? '?', [...(byEvent.get(r.eventId ?? '?') ?? []), r]);
    // Every request is signed over its exact bytes and keyed by its event id.
    expect(hook.requests.filter((r) => !r.signatureValid)).toEqual([]);
    expect(hook.requests.filter((r) => r.idempotencyKey !== r.eventId)).toEqual([]);
    for (const e of events) {
      const got = byEvent.get(e.id) ?? [];
      expect(
        got.some((r) => r.status === 200),
        `${e.type} ${e.id} answered 2xx`,
      ).toBe(true);
      expect(got[0]!.body).toMatchObject({ eventId: e.id, type: e.type, orderId: e.orderId, position: e.position });
      // The same bytes on every attempt: one signature per event.
      expect(new Set(got.map((r) => r.signature)).size).toBe(1);
    }
    // Per-order order: an order's OrderCancelled is first sent after its OrderPlaced was answered 2xx.
    const firstIndex = (id: string, ok: boolean) => hook.requests.findIndex((r) => r.eventId === id && (!ok || r.status === 200));
    const placedOf = new Map(events.filter((e) => e.type === 'OrderPlaced').map((e) => [e.orderId, e.id]));
    for (const e of events.filter((x) => x.type === 'OrderCancelled'))
      expect(firstIndex(e.id, false), `order ${e.orderId}`).toBeGreaterThan(firstIndex(placedOf.get(e.orderId)!, true));

    const ours = new Set(ids);
    const relevant = hook.requests.filter((r) => ours.has(r.eventId ?? ''));
    const failed = relevant.filter((r) => r.status !== 200).length;
    const duplicates = relevant.filter((r) => r.status === 200).length - ids.length;
    const shards = Object.keys((await notifierHealth(stack))?.shards ?? {}).length;
    console.log(
      `[notifier e2e] ${ids.length} events (500 placed, 50 cancelled) delivered in ${elapsedS.toFixed(1)} s: ` +
        `${relevant.length} POSTs, ${failed} answered 500 (retried), ${duplicates} duplicate 2xx after the SIGKILL (bound: ${shards} shards)`,
    );
    // A duplicate 2xx needs a crash between a 2xx and its record: one event in hand per shard at the kill.
    expect(duplicates).toBeGreaterThanOrEqual(0);
    expect(duplicates).toBeLessThanOrEqual(shards);
    const states = await inboxStates(ids);
    for (const id of ids) expect(states.get(id)!.attempts).toBeLessThanOrEqual(byEvent.get(id)!.length);

    // A body changed by one byte, or sent unsigned, does not verify with the shared secret.
    const sample = relevant[0]!;
    const forged = Buffer.from(sample.raw.toString('utf8').replace('"OrderPlaced"', '"OrderCancelled"'), 'utf8');
    expect(verifySignature(sample.raw, sample.signature, SECRET)).toBe(true);
    expect(verifySignature(forged, sample.signature, SECRET)).toBe(false);
    expect(verifySignature(sample.raw, undefined, SECRET)).toBe(false);
    // The webhook's secret is never logged.
    expect(readFileSync(logFile(stackDirs(stack.stackDir), 'notifier'), 'utf8')).not.toContain(SECRET);
  }, 300_000);

  it('a receiver that refuses (4xx) gets nothing retried: the event is parked, the shard moves on, and the re-drive delivers it once the receiver is fixed', async () => {
    const hook = await receiver(SECRET, answer(422));
    const env = {
      NOTIFIER_WEBHOOK_URL: hook.url,
      NOTIFIER_WEBHOOK_SECRET: SECRET,
      NOTIFIER_MAX_ATTEMPTS: '5',
      NOTIFIER_RETRY_BASE_MS: '20',
    };
    await runNotifier(stack, env);
    const before = await highestPosition();
    const productId = await product();
    const orderId = await placeOrder(productId, 11);
    await cancel(orderId);
    const [placed, cancelled] = await eventually(async () => {
      const events = await orderEventsAfter(before);
      return events.length === 2 ? events : undefined;
    }, 10_000);
    const parked = await eventually(async () => {
      const states = await inboxStates([placed!.id, cancelled!.id]);
      return states.size === 2 ? states : undefined;
    }, 30_000);
    for (const id of [placed!.id, cancelled!.id])
      expect(parked.get(id)).toMatchObject({ state: 'parked', attempts: 1, last_error: 'refused: HTTP 422' });
    expect(hook.requests.filter((r) => r.eventId === placed!.id)).toHaveLength(1);

    const list = await notifierDlq(stack, ['list', '--json'], env);
    expect(list.code).toBe(0);
    const listed = JSON.parse(list.stdout) as { eventId: string; lastError: string }[];
    expect(listed.map((n) => n.eventId)).toEqual(expect.arrayContaining([placed!.id, cancelled!.id]));

    // Still refusing: the re-drive leaves it parked and says so.
    expect((await notifierDlq(stack, ['redrive', '--id', placed!.id], env)).code).toBe(1);
    hook.setBehaviour(answer(204));
    const redriven = await notifierDlq(stack, ['redrive', '--id', placed!.id], env);
    expect(redriven.stdout).toContain('1 delivered, 0 still parked');
    expect(redriven.code).toBe(0);
    const all = await notifierDlq(stack, ['redrive'], env);
    expect(all.code).toBe(0);
    const after = await inboxStates([placed!.id, cancelled!.id]);
    expect(after.get(placed!.id)).toMatchObject({ state: 'delivered', attempts: 3 });
    expect(after.get(cancelled!.id)).toMatchObject({ state: 'delivered', attempts: 2 });
    // The re-drive sent the stored bytes: the same signature as the first POST, and it verifies.
    const sent = hook.requests.filter((r) => r.eventId === placed!.id);
    expect(sent.map((r) => r.status)).toEqual([422, 422, 204]);
    expect(new Set(sent.map((r) => r.signature)).size).toBe(1);
    expect(sent.every((r) => r.signatureValid)).toBe(true);
    expect((await notifierDlq(stack, ['redrive'], env)).code).toBe(3);
  }, 90_000);

  it('a receiver down for long: a few events are parked, then the shards pause (nothing more parked) and deliver everything once it is back', async () => {
    const hook = await receiver(SECRET, answer(503));
    const env = {
      NOTIFIER_WEBHOOK_URL: hook.url,
      NOTIFIER_WEBHOOK_SECRET: SECRET,
      NOTIFIER_MAX_ATTEMPTS: '2',
      NOTIFIER_RETRY_BASE_MS: '20',
      NOTIFIER_RETRY_MAX_MS: '200',
      NOTIFIER_PAUSE_AFTER_PARKED: '3',
    };
    await runNotifier(stack, env);
    const before = await highestPosition();
    const productId = await product();
    for (let i = 0; i < 40; i++) await placeOrder(productId, 20 + i);
    const events = await eventually(async () => {
      const e = await orderEventsAfter(before);
      return e.length === 40 ? e : undefined;
    }, 10_000);
    const ids = events.map((e) => e.id);
    await eventually(async () => ((await notifierHealth(stack))?.receiverPaused ? true : undefined), 30_000);
    const parkedCount = async () => [...(await inboxStates(ids)).values()].filter((s) => s.state === 'parked').length;
    // The pause begins when the third park is decided, a moment before its row is written; rows of
    // shards that had decided to park before it may land just after. None is decided after it.
    await sleep(1000);
    const parkedAtPause = await parkedCount();
    const shards = Object.keys((await notifierHealth(stack))?.shards ?? {}).length;
    expect(parkedAtPause).toBeGreaterThanOrEqual(3);
    // Shards that were already on their last attempt when the third was parked may park one each.
    expect(parkedAtPause).toBeLessThanOrEqual(3 + shards - 1);
    const requestsBefore = hook.requests.length;
    await sleep(3000);
    expect(await parkedCount()).toBe(parkedAtPause);
    expect(hook.requests.length, 'paused shards keep trying').toBeGreaterThan(requestsBefore);
    expect([...(await inboxStates(ids)).values()].filter((s) => s.state === 'delivered')).toEqual([]);

    hook.setBehaviour(answer(200));
    await eventually(async () => {
      const states = await inboxStates(ids);
      return ids.every((id) => states.has(id)) ? true : undefined;
    }, 60_000);
    expect((await notifierHealth(stack))?.receiverPaused).toBe(false);
    expect(await parkedCount()).toBe(parkedAtPause);
    expect((await notifierDlq(stack, ['redrive'], env)).code).toBe(0);
    const states = await inboxStates(ids);
    expect(ids.filter((id) => states.get(id)?.state !== 'delivered')).toEqual([]);
    console.log(
      `[notifier e2e] receiver down: ${parkedAtPause} of 40 events parked before the pause (${shards} shards), re-driven after`,
    );
  }, 120_000);
});
