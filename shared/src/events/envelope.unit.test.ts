import { describe, expect, it } from 'vitest';
import { decodeEvent, headerText } from './envelope.ts';

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
    const result = decodeEvent(debeziumHeaders(), body(product));
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
    const result = decodeEvent(debeziumHeaders({ position: '42' }), body(product));
    expect(result.kind === 'event' && result.event.position).toBe(42);
  });

  it('reads the event id in the canonical lowercase form Postgres answers uuids in', () => {
    // The inbox answers which ids it already has as Postgres writes them: an id kept in capitals
    // would never match, and the batch would be planned again and again without end.
    const result = decodeEvent(debeziumHeaders({ id: `"${id.toUpperCase()}"` }), body(product));
    expect(result).toMatchObject({ kind: 'event', event: { id } });
    const unsupported = decodeEvent(debeziumHeaders({ id: `"${id.toUpperCase()}"`, eventType: '"Nope"' }), body(product));
    expect(unsupported).toMatchObject({ kind: 'unsupported', id });
  });

  it('accepts unquoted header values too (another header converter)', () => {
    const result = decodeEvent(debeziumHeaders({ id, eventType: 'ProductCreated', aggregateId: '7' }), body(product));
    expect(result.kind).toBe('event');
  });

  it('marks an unknown event type as unsupported, not invalid', () => {
    const result = decodeEvent(debeziumHeaders({ eventType: '"ProductArchived"' }), body({}));
    expect(result).toMatchObject({ kind: 'unsupported', id, type: 'ProductArchived' });
  });

  it('marks a newer schema version as unsupported', () => {
    const result = decodeEvent(debeziumHeaders({ schemaVersion: '2' }), body(product));
    expect(result).toMatchObject({ kind: 'unsupported', version: 2 });
  });

  it.each([
    ['a missing event id', debeziumHeaders({ id: undefined }), body(product), /id/],
    ['an event id that is not a uuid', debeziumHeaders({ id: '"42"' }), body(product), /id/],
    ['an unparseable occurred-at', debeziumHeaders({ occurredAt: '"yesterday"' }), body(product), /occurredAt/],
    ['a body that is not JSON', debeziumHeaders(), Buffer.from('{"productId": 7,'), /not JSON/],
    ['a payload missing fields', debeziumHeaders(), body({ productId: 7 }), /name/],
    ['a payload with a wrong type', debeziumHeaders(), body({ ...product, price: '29.99' }), /price/],
  ])('rejects %s as invalid, saying why', (_what, headers, content, reason) => {
    const result = decodeEvent(headers, content);
    expect(result.kind).toBe('invalid');
    expect(result.kind === 'invalid' && result.reason).toMatch(reason);
  });
});
