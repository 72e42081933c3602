import { describe, expect, it } from 'vitest';
import { decodeEvent, decodeOutboxRow, type KnownEvent, type OutboxRow } from '@shop/shared/events';
import { differenceFromOutbox } from './outbox-copy.ts';

const ID = '0b6f2a9e-3c55-4d4e-9a53-2f1a7d6c8e01';
const reader = { shopCurrency: 'USD' };
const payload = { productId: 5, name: 'Mug', category: 'kitchen', price: 29.99, stock: 10 };
const row: OutboxRow = {
  id: ID,
  position: '42',
  type: 'ProductCreated',
  schema_version: 1,
  // node-postgres reads .289123 s through a float: 288 ms.
  occurred_at: new Date('2026-11-23T10:00:00.288Z'),
  aggregateid: '5',
  payload,
};

/** The message Debezium publishes for the row (microseconds in occurredAt, keys in another order). */
function message(over: { headers?: Record<string, unknown>; body?: unknown } = {}): KnownEvent {
  const headers = {
    id: JSON.stringify(ID),
    eventType: '"ProductCreated"',
    schemaVersion: '1',
    occurredAt: '"2026-11-23T10:00:00.289123Z"',
    aggregateId: '"5"',
    position: '42',
    ...over.headers,
  };
  const body = over.body ?? { stock: 10, price: 29.99, category: 'kitchen', name: 'Mug', productId: 5 };
  const decoded = decodeEvent(headers, Buffer.from(JSON.stringify(body)), reader);
  if (decoded.kind !== 'event') throw new Error(decoded.reason);
  return decoded.event;
}

describe('differenceFromOutbox: is this message the outbox event whose id it carries', () => {
  it('is, as Debezium publishes it: occurred-at within a millisecond, payload keys in any order, with or without a position', () => {
    expect(differenceFromOutbox(message(), decodeOutboxRow(row, reader))).toBeUndefined();
    expect(differenceFromOutbox(message({ headers: { position: undefined } }), decodeOutboxRow(row, reader))).toBeUndefined();
  });

  it('is not, when anything the read models take from it differs', () => {
    const differs = (over: Parameters<typeof message>[0]) => differenceFromOutbox(message(over), decodeOutboxRow(row, reader));
    expect(differs({ body: { ...payload, name: 'Forged copy' } })).toBe(
      `untrusted: not the outbox's event ${ID}: its payload differs`,
    );
    expect(differs({ body: { ...payload, price: 0.01 } })).toMatch(/its payload differs$/);
    expect(differs({ headers: { eventType: '"ProductUpdated"' } })).toMatch(
      /its type is ProductCreated, the message's ProductUpdated$/,
    );
    expect(differs({ headers: { aggregateId: '"6"' } })).toMatch(/its aggregate id differs$/);
    expect(differs({ headers: { occurredAt: '"9999-12-31T00:00:00Z"' } })).toMatch(
      /it occurred at 2026-11-23T10:00:00.288Z, the message says 9999-12-31T00:00:00.000Z$/,
    );
    expect(differs({ headers: { occurredAt: '"2026-11-23T10:00:00.291Z"' } })).toMatch(/it occurred at/);
    expect(differs({ headers: { position: '43' } })).toMatch(/its position is 42, the message's 43$/);
  });

  it('is not, when the outbox has no event of that id or one this build cannot read', () => {
    expect(differenceFromOutbox(message(), undefined)).toBe(
      `untrusted: not the outbox's event ${ID}: no outbox event has this id`,
    );
    const unknown = decodeOutboxRow({ ...row, type: 'ProductArchived' }, reader);
    expect(differenceFromOutbox(message(), unknown)).toMatch(
      /the outbox's event is unsupported \(unknown event type ProductArchived\)$/,
    );
  });

  it('compares an OrderPlaced of either version as decoded, and the version it was written in', () => {
    const v1 = { orderId: 3, customerId: 5, placedAt: '2026-11-23T10:00:00.000Z', total: 59.98, items: [] };
    const v2 = { orderId: 3, customerId: 5, placedAt: '2026-11-23T10:00:00.000Z', currency: 'USD', totalMinor: 5998, items: [] };
    const orderRow: OutboxRow = { ...row, type: 'OrderPlaced', aggregateid: '3', schema_version: 1, payload: v1 };
    const placed = (version: string, body: unknown) =>
      message({ headers: { eventType: '"OrderPlaced"', aggregateId: '"3"', schemaVersion: version }, body });
    expect(differenceFromOutbox(placed('1', v1), decodeOutboxRow(orderRow, reader))).toBeUndefined();
    // The same order as v2 decodes to the same payload, but it is not what the write side wrote.
    expect(differenceFromOutbox(placed('2', v2), decodeOutboxRow(orderRow, reader))).toMatch(
      /its schema version is 1, the message's 2$/,
    );
    expect(differenceFromOutbox(placed('1', { ...v1, total: 59.99 }), decodeOutboxRow(orderRow, reader))).toMatch(
      /its payload differs$/,
    );
  });
});
