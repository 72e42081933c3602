import { describe, expect, it } from 'vitest';
import { decodeEvent, decodeOutboxRow, headerText } from './envelope.ts';

const id = '6f1c2f0e-8a9b-4c1d-9e2f-0a1b2c3d4e5f';
const product = { productId: 7, name: 'Mug', category: 'kitchen', price: 29.99, stock: 10 };

/** Headers as Debezium's JSON header converter (schemas off) sends them. */
function debeziumHeaders(overrides: Record<string, unknown> = {}) {
  return {
    id: `"${id}"`,
    eventType: '"ProductCreated"',
    schemaVersion: '1',
    occurredAt: '"2026-11-23T02:38:22.143101Z"',
    aggregateId: '"7"',
    ...overrides,
  };
}
const body = (value: unknown) => Buffer.from(JSON.stringify(value));
const reader = { shopCurrency: 'USD' };

describe('headerText', () => {
  it('unquotes JSON-encoded strings and reads Buffers', () => {
    expect(headerText('"abc"')).toBe('abc');
    expect(headerText(Buffer.from('"abc"'))).toBe('abc');
    expect(headerText(42)).toBe('42');
    expect(headerText('plain')).toBe('plain');
    expect(headerText(undefined)).toBeUndefined();
  });

  it('keeps a quoted text that is not valid JSON as it is', () => {
    expect(headerText('"a"b"')).toBe('"a"b"');
  });
});

describe('decodeEvent', () => {
  it('decodes a Debezium-shaped ProductCreated message', () => {
    const result = decodeEvent(debeziumHeaders(), body(product), reader);
    expect(result).toEqual({
      kind: 'event',
      event: {
        type: 'ProductCreated',
        id,
        version: 1,
        occurredAt: new Date('2026-11-23T02:38:22.143Z'),
        aggregateId: '7',
        position: null,
        payload: product,
      },
    });
  });

  it('reads the outbox position when the header is there', () => {
    const result = decodeEvent(debeziumHeaders({ position: '42' }), body(product), reader);
    expect(result.kind === 'event' && result.event.position).toBe(42);
  });

  it('reads the event id in the canonical lowercase form Postgres answers uuids in', () => {
    // The inbox answers which ids it already has as Postgres writes them: an id kept in capitals
    // would never match, and the batch would be planned again and again without end.
    const result = decodeEvent(debeziumHeaders({ id: `"${id.toUpperCase()}"` }), body(product), reader);
    expect(result).toMatchObject({ kind: 'event', event: { id } });
    const unsupported = decodeEvent(debeziumHeaders({ id: `"${id.toUpperCase()}"`, eventType: '"Nope"' }), body(product), reader);
    expect(unsupported).toMatchObject({ kind: 'unsupported', id });
  });

  it('accepts unquoted header values too (another header converter)', () => {
    const result = decodeEvent(debeziumHeaders({ id, eventType: 'ProductCreated', aggregateId: '7' }), body(product), reader);
    expect(result.kind).toBe('event');
  });

  it('marks an unknown event type as unsupported, not invalid', () => {
    const result = decodeEvent(debeziumHeaders({ eventType: '"ProductArchived"' }), body({}), reader);
    expect(result).toMatchObject({ kind: 'unsupported', id, type: 'ProductArchived' });
  });

  it('marks a newer schema version than its type has as unsupported', () => {
    const result = decodeEvent(debeziumHeaders({ schemaVersion: '2' }), body(product), reader);
    expect(result).toMatchObject({
      kind: 'unsupported',
      version: 2,
      reason: 'schema version 2 is newer than 1, the latest of ProductCreated this build knows',
    });
  });

  it.each([
    ['a missing event id', debeziumHeaders({ id: undefined }), body(product), /id/],
    ['an event id that is not a uuid', debeziumHeaders({ id: '"42"' }), body(product), /id/],
    ['an unparseable occurred-at', debeziumHeaders({ occurredAt: '"yesterday"' }), body(product), /occurredAt/],
    ['a body that is not JSON', debeziumHeaders(), Buffer.from('{"productId": 7,'), /not JSON/],
    ['a payload missing fields', debeziumHeaders(), body({ productId: 7 }), /name/],
    ['a payload with a wrong type', debeziumHeaders(), body({ ...product, price: '29.99' }), /price/],
  ])('rejects %s as invalid, saying why', (_what, headers, content, reason) => {
    const result = decodeEvent(headers, content, reader);
    expect(result.kind).toBe('invalid');
    expect(result.kind === 'invalid' && result.reason).toMatch(reason);
  });
});

describe('versions of OrderPlaced', () => {
  const placedAt = '2026-11-23T02:38:22.143Z';
  const v1 = {
    orderId: 3,
    customerId: 5,
    placedAt,
    total: 89.97,
    items: [
      { productId: 7, category: 'kitchen', quantity: 2, unitPrice: 29.99, lineTotal: 59.98 },
      // 0.1 + 0.2 style noise, as a float sum could write it: rounded to cents as the projector always did.
      { productId: 8, category: 'garden', quantity: 1, unitPrice: 29.99, lineTotal: 29.990000000000002 },
    ],
  };
  const v2 = {
    orderId: 3,
    customerId: 5,
    placedAt,
    currency: 'USD',
    totalMinor: 8997,
    items: [
      { productId: 7, category: 'kitchen', quantity: 2, unitPriceMinor: 2999, lineTotalMinor: 5998 },
      { productId: 8, category: 'garden', quantity: 1, unitPriceMinor: 2999, lineTotalMinor: 2999 },
    ],
  };
  const orderHeaders = (version: string) =>
    debeziumHeaders({ eventType: '"OrderPlaced"', aggregateId: '"3"', schemaVersion: version });

  it('decodes v2 as it is, keeping its version', () => {
    const result = decodeEvent(orderHeaders('2'), body(v2), reader);
    expect(result).toMatchObject({ kind: 'event', event: { type: 'OrderPlaced', version: 2, payload: v2 } });
  });

  it('checks v1 against the v1 schema, then upcasts it to the v2 shape in the shop currency, keeping version 1', () => {
    const result = decodeEvent(orderHeaders('1'), body(v1), reader);
    expect(result).toMatchObject({ kind: 'event', event: { type: 'OrderPlaced', version: 1 } });
    expect(result.kind === 'event' && result.event.payload).toEqual(v2);
  });

  it('takes the currency of a v1 order from the reader: v1 amounts were in the shop currency', () => {
    const result = decodeEvent(orderHeaders('1'), body(v1), { shopCurrency: 'EUR' });
    expect(result.kind === 'event' && result.event.payload).toEqual({ ...v2, currency: 'EUR' });
  });

  it('reads each version with its own schema: a v2 body labelled v1 and a v1 body labelled v2 are invalid', () => {
    expect(decodeEvent(orderHeaders('1'), body(v2), reader)).toMatchObject({
      kind: 'invalid',
      reason: expect.stringMatching(/v1 .*total/),
    });
    expect(decodeEvent(orderHeaders('2'), body(v1), reader)).toMatchObject({
      kind: 'invalid',
      reason: expect.stringMatching(/v2 .*totalMinor/),
    });
  });

  it('parks a v2 order in another currency than the reader adds up, saying both, never summing it', () => {
    const result = decodeEvent(orderHeaders('2'), body({ ...v2, currency: 'EUR' }), reader);
    expect(result).toEqual({
      kind: 'unsupported',
      id,
      type: 'OrderPlaced',
      version: 2,
      reason: 'OrderPlaced is in EUR, and this read side adds up amounts in USD (SHOP_CURRENCY) without converting',
    });
  });

  it('marks a version newer than the latest known (3) as unsupported', () => {
    const result = decodeEvent(orderHeaders('3'), body(v2), reader);
    expect(result).toMatchObject({
      kind: 'unsupported',
      version: 3,
      reason: 'schema version 3 is newer than 2, the latest of OrderPlaced this build knows',
    });
  });

  it('decodes outbox rows of either version alike (the rebuild reads the log so)', () => {
    const row = (schema_version: number, payload: unknown) => ({
      id,
      position: '9',
      type: 'OrderPlaced',
      schema_version,
      occurred_at: new Date(placedAt),
      aggregateid: '3',
      payload,
    });
    const fromV1 = decodeOutboxRow(row(1, v1), reader);
    const fromV2 = decodeOutboxRow(row(2, v2), reader);
    expect(fromV1).toMatchObject({ kind: 'event', event: { version: 1, payload: v2, position: 9 } });
    expect(fromV2).toMatchObject({ kind: 'event', event: { version: 2, payload: v2, position: 9 } });
    expect(decodeOutboxRow(row(2, { ...v2, currency: 'GBP' }), reader)).toMatchObject({ kind: 'unsupported', reason: /GBP/ });
  });
});
