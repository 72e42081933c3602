import { randomUUID } from 'node:crypto';
import type { ConsumeMessage } from 'amqplib';
import type pg from 'pg';
import { afterEach, beforeEach, describe, expect, inject, it } from 'vitest';
import { withTransaction } from '@shop/shared/db';
import type { KnownEvent } from '@shop/shared/events';
import { applyBatch } from '../../projector/src/projection/apply-batch.ts';
import {
  forgetHandledDeadLetters,
  holdInboxWatermark,
  inboxWatermark,
  noteDeadLetter,
  pruneInboxBelowWatermark,
  raiseInboxWatermark,
} from '@shop/shared/read-side';
import { freshReadDatabase } from '../support/read-database.ts';

const stack = inject('stack');

/** A product created at `position`, as the projector decodes it. */
function created(position: number, productId = position): KnownEvent {
  return {
    type: 'ProductCreated',
    id: randomUUID(),
    version: 1,
    occurredAt: new Date(Date.UTC(2026, 10, 1) + position * 1000),
    aggregateId: String(productId),
    position,
    payload: { productId, name: `P${productId}`, category: 'c', price: 2, stock: 10 },
  } as KnownEvent;
}

/** The headers of the message that carried `event`, as noteDeadLetter reads them. */
function messageOf(event: KnownEvent): ConsumeMessage {
  return {
    content: Buffer.from('{}'),
    fields: { deliveryTag: 1, redelivered: false, exchange: 'x', routingKey: 'outbox.event.product.0', consumerTag: 't' },
    properties: { headers: { id: JSON.stringify(event.id), position: String(event.position) } },
  } as unknown as ConsumeMessage;
}

/**
 * The inbox's pruning watermark (read.inbox_pruning) on a read database of its own: below it an
 * event is a duplicate by its position, a dead letter stays re-drivable, and raising it waits for
 * the batches that read the old one.
 */
describe('inbox pruning watermark', () => {
  let read: pg.Pool;
  const apply = (events: KnownEvent[]) => withTransaction(read, (client) => applyBatch(client, events, 0));
  const inboxHas = async (events: KnownEvent[]) =>
    (
      await read.query<{ n: number }>('SELECT count(*)::int AS n FROM inbox WHERE event_id = ANY($1::uuid[])', [
        events.map((e) => e.id),
      ])
    ).rows[0]!.n;

  beforeEach(async () => {
    read = await freshReadDatabase(stack, 'prune', 4);
  });
  afterEach(async () => {
    await read.end();
  });

  it('prunes at or below it, and skips a late copy of a pruned event by its position', async () => {
    const events = [1, 2, 3, 4, 5, 6].map((p) => created(p));
    expect(await apply(events)).toEqual({ applied: 6, duplicates: 0, forged: new Map() });
    await raiseInboxWatermark(read, 4);
    expect(await pruneInboxBelowWatermark(read, 2)).toBe(4);
    expect(await inboxHas(events)).toBe(2);
    expect((await inboxWatermark(read)).occurredBefore).toEqual(events[3]!.occurredAt);

    expect(await apply(events)).toEqual({ applied: 0, duplicates: 6, forged: new Map() });
    const { rows } = await read.query<{ stock: number }>('SELECT count(*)::int AS stock FROM products');
    expect(rows[0]!.stock).toBe(6);
  });

  it('lets the re-drive of a dead letter below it through: applied once, then a duplicate', async () => {
    const parked = created(3);
    await noteDeadLetter(read, messageOf(parked).properties.headers ?? {}, 'invalid: test');
    await apply([created(1), created(2), created(4)]);
    await raiseInboxWatermark(read, 4);
    await pruneInboxBelowWatermark(read, 100);

    expect(await apply([parked])).toEqual({ applied: 1, duplicates: 0, forged: new Map() });
    await pruneInboxBelowWatermark(read, 100);
    expect(await inboxHas([parked])).toBe(1); // a dead letter's inbox row stays while it is noted
    expect(await apply([parked])).toEqual({ applied: 0, duplicates: 1, forged: new Map() });

    // Handled, so forgotten with its inbox row; a copy after that is a duplicate by its position.
    expect(await forgetHandledDeadLetters(read, 100)).toBe(1);
    expect(await pruneInboxBelowWatermark(read, 100)).toBe(1);
    expect(await apply([parked])).toEqual({ applied: 0, duplicates: 1, forged: new Map() });
  });

  it('does not note a dead letter at or below it (a late copy of an applied event), and notes one above', async () => {
    await raiseInboxWatermark(read, 10);
    const late = created(7);
    const fresh = created(11);
    await noteDeadLetter(read, messageOf(late).properties.headers ?? {}, 'invalid: late copy');
    await noteDeadLetter(read, messageOf(fresh).properties.headers ?? {}, 'invalid: new');
    const { rows } = await read.query<{ id: string }>('SELECT event_id::text AS id FROM dead_letters');
    expect(rows.map((r) => r.id)).toEqual([fresh.id]);
  });

  it('is raised only once the batches holding the old one have committed', async () => {
    const event = created(2);
    const batch = await read.connect();
    await batch.query('BEGIN');
    await holdInboxWatermark(batch);
    let raised = false;
    const raising = raiseInboxWatermark(read, 5).then(() => (raised = true));
    await new Promise((r) => setTimeout(r, 300));
    expect(raised).toBe(false);
    // The batch, having read the old watermark (0), records the event and commits.
    await applyBatch(batch, [event], 0);
    await batch.query('COMMIT');
    batch.release();
    await raising;
    expect((await inboxWatermark(read)).prunedThrough).toBe(5);
    expect(await inboxHas([event])).toBe(1);
  });
});
