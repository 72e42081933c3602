import { describe, expect, it } from 'vitest';
import { decodeEvent } from './envelope.ts';

/**
 * Named hostile messages, each of which must come out `invalid` with a reason naming what is
 * wrong: none may throw, and none may become an event that Postgres would later refuse.
 */
const id = '6f1c2f0e-8a9b-4c1d-9e2f-0a1b2c3d4e5f';
const MIB = 1024 * 1024;
const product = { productId: 7, name: 'Mug', category: 'kitchen', price: 29.99, stock: 10 };
const line = { productId: 7, category: 'kitchen', quantity: 2, unitPrice: 29.99, lineTotal: 59.98 };
const order = { orderId: 3, customerId: 5, placedAt: '2026-11-23T02:38:22.143Z', total: 59.98, items: [line] };

function headers(overrides: Record<string, unknown> = {}, type = 'ProductCreated') {
  return {
    id: `"${id}"`,
    eventType: JSON.stringify(type),
    schemaVersion: '1',
    occurredAt: '"2026-11-23T02:38:22.143101Z"',
    aggregateId: '"7"',
    position: '42',
    ...overrides,
  };
}
const json = (value: unknown) => Buffer.from(JSON.stringify(value));
const productBody = (overrides: Record<string, unknown>) => json({ ...product, ...overrides });
const orderBody = (overrides: Record<string, unknown>) => json({ ...order, ...overrides });
const lineBody = (overrides: Record<string, unknown>) => json({ ...order, items: [{ ...line, ...overrides }] });
/** A null-prototype object: String() of it throws, as it would of any object without toString. */
const bare = Object.assign(Object.create(null) as object, { value: id });

type Case = [name: string, headers: Record<string, unknown>, body: Buffer, reason: RegExp];

const lineV2 = { productId: 7, category: 'kitchen', quantity: 2, unitPriceMinor: 2999, lineTotalMinor: 5998 };
const orderV2 = {
  orderId: 3,
  customerId: 5,
  placedAt: '2026-11-23T02:38:22.143Z',
  currency: 'USD',
  totalMinor: 5998,
  items: [lineV2],
};
const v2 = () => headers({ schemaVersion: '2' }, 'OrderPlaced');
const orderV2Body = (overrides: Record<string, unknown>) => json({ ...orderV2, ...overrides });
const lineV2Body = (overrides: Record<string, unknown>) => json({ ...orderV2, items: [{ ...lineV2, ...overrides }] });

const bodyCases: Case[] = [
  ['a body that is not valid UTF-8', headers(), Buffer.from([0x7b, 0xff, 0xfe, 0x7d]), /UTF-8/],
  [
    'invalid UTF-8 inside a JSON string (would become U+FFFD)',
    headers(),
    Buffer.concat([
      Buffer.from('{"productId":7,"name":"M'),
      Buffer.from([0xc3, 0x28]),
      Buffer.from('g","category":"k","price":1,"stock":1}'),
    ]),
    /UTF-8/,
  ],
  ['a UTF-8 encoded lone surrogate (CESU) in the body', headers(), Buffer.from([0x22, 0xed, 0xa0, 0x80, 0x22]), /UTF-8/],
  ['a 2 MiB body of valid JSON', headers(), productBody({ name: 'n'.repeat(2 * MIB) }), /body.*(large|limit|bytes)/i],
  ['a 2 MiB body of spaces', headers(), Buffer.alloc(2 * MIB, 0x20), /body.*(large|limit|bytes)/i],
  ['an empty body', headers(), Buffer.alloc(0), /not JSON/],
];

const textCases: Case[] = [
  ['a NUL in the product name', headers(), productBody({ name: 'Mu\u0000g' }), /name/],
  ['a lone surrogate in the category', headers(), productBody({ category: 'kitch\ud800en' }), /category/],
  ['a reversed surrogate pair in the name', headers(), productBody({ name: '\udc00\ud800' }), /name/],
  ['a NUL in an order line category', headers({}, 'OrderPlaced'), lineBody({ category: '\u0000' }), /category/],
  [
    'a category longer than the contract allows (it is an index key)',
    headers(),
    productBody({ category: 'c'.repeat(5000) }),
    /category/,
  ],
  ['a NUL in the aggregate id header', headers({ aggregateId: '"7\\u0000"' }), productBody({}), /aggregateId/],
  [
    'a NUL in the event type (must not be parked as unsupported)',
    headers({ eventType: '"Product\\u0000Archived"' }),
    json({}),
    /eventType/,
  ],
  ['a lone surrogate in the event type', headers({ eventType: '"\\ud800"' }), json({}), /eventType/],
  ['an event type of a megabyte', headers({ eventType: 'X'.repeat(MIB) }), json({}), /eventType/],
  ['an aggregate id of a megabyte', headers({ aggregateId: '7'.repeat(MIB) }), productBody({}), /aggregateId/],
];

const numberCases: Case[] = [
  ['productId 2^31', headers(), productBody({ productId: 2 ** 31 }), /productId/],
  ['productId 2^63 (beyond exact integers)', headers(), productBody({ productId: 2 ** 63 }), /productId/],
  ['stock 2^31', headers(), productBody({ stock: 2 ** 31 }), /stock/],
  ['a price of 10^10 (numeric(12,2) holds less)', headers(), productBody({ price: 1e10 }), /price/],
  ['a price that rounds up to 10^10', headers(), productBody({ price: 9_999_999_999.999 }), /price/],
  [
    'a price of 1e400 (Infinity once parsed)',
    headers(),
    Buffer.from('{"productId":7,"name":"M","category":"k","price":1e400,"stock":1}'),
    /price/,
  ],
  ['an order total of 10^14 (numeric(16,2) holds less)', headers({}, 'OrderPlaced'), orderBody({ total: 1e14 }), /total/],
  ['an orderId 2^31', headers({}, 'OrderPlaced'), orderBody({ orderId: 2 ** 31 }), /orderId/],
  ['a customerId 2^31', headers({}, 'OrderPlaced'), orderBody({ customerId: 2 ** 31 }), /customerId/],
  ['a line quantity 2^31', headers({}, 'OrderPlaced'), lineBody({ quantity: 2 ** 31 }), /quantity/],
  ['a line unit price of 10^10', headers({}, 'OrderPlaced'), lineBody({ unitPrice: 1e10 }), /unitPrice/],
  ['a line total of 10^14', headers({}, 'OrderPlaced'), lineBody({ lineTotal: 1e14 }), /lineTotal/],
  [
    'lines whose totals add up beyond an order total',
    headers({}, 'OrderPlaced'),
    orderBody({ items: Array.from({ length: 20 }, (_, i) => ({ ...line, productId: i + 1, lineTotal: 9e12 })) }),
    /items/,
  ],
  ['position 2^63', headers({ position: '9223372036854775808' }), productBody({}), /position/],
  ['position 99999999999999999999', headers({ position: '99999999999999999999' }), productBody({}), /position/],
  ['position 2^53 + 1 (not exact as a JS number)', headers({ position: '9007199254740993' }), productBody({}), /position/],
  ['position 2^63 as an AMQP number', headers({ position: 2 ** 63 }), productBody({}), /position/],
  ['position 2^63 as a bigint', headers({ position: 2n ** 63n }), productBody({}), /position/],
  ['position 0', headers({ position: '0' }), productBody({}), /position/],
  ['position -1', headers({ position: '-1' }), productBody({}), /position/],
  ['position 1.5', headers({ position: '1.5' }), productBody({}), /position/],
  ['position in exponent form', headers({ position: '1e3' }), productBody({}), /position/],
  ['position in hex', headers({ position: '0x10' }), productBody({}), /position/],
  ['position as NaN', headers({ position: NaN }), productBody({}), /position/],
  ['a schema version beyond integer', headers({ schemaVersion: '99999999999' }), productBody({}), /schemaVersion/],
  ['a schema version of 1.5', headers({ schemaVersion: 1.5 }), productBody({}), /schemaVersion/],
  ['a schema version of Infinity', headers({ schemaVersion: Infinity }), productBody({}), /schemaVersion/],
];

/** OrderPlaced v2: integer minor units within the same bounds as v1's amounts (limits.ts), and an ISO 4217 code. */
const v2Cases: Case[] = [
  ['a v2 total with decimals (minor units are whole)', v2(), orderV2Body({ totalMinor: 59.98 }), /totalMinor/],
  ['a v2 total of 10^15 + 1 minor units', v2(), orderV2Body({ totalMinor: 10 ** 15 + 1 }), /totalMinor/],
  ['a v2 total of 2^53 (not exact as a JS number)', v2(), orderV2Body({ totalMinor: 2 ** 53 }), /totalMinor/],
  ['a negative v2 total', v2(), orderV2Body({ totalMinor: -1 }), /totalMinor/],
  ['a v2 total as a string', v2(), orderV2Body({ totalMinor: '5998' }), /totalMinor/],
  [
    'a v2 unit price of 10^12 minor units (numeric(12,2) holds less)',
    v2(),
    lineV2Body({ unitPriceMinor: 10 ** 12 }),
    /unitPriceMinor/,
  ],
  ['a v2 line total of 10^15 + 1', v2(), lineV2Body({ lineTotalMinor: 10 ** 15 + 1 }), /lineTotalMinor/],
  [
    'a v2 line total of 1e400 (Infinity once parsed)',
    v2(),
    Buffer.from(JSON.stringify(orderV2).replace('"lineTotalMinor":5998', '"lineTotalMinor":1e400')),
    /lineTotalMinor/,
  ],
  [
    'v2 lines whose totals add up beyond an order total',
    v2(),
    orderV2Body({ items: Array.from({ length: 20 }, (_, i) => ({ ...lineV2, productId: i + 1, lineTotalMinor: 9e13 })) }),
    /items/,
  ],
  ['a lower-case currency', v2(), orderV2Body({ currency: 'usd' }), /currency/],
  ['a currency of two letters', v2(), orderV2Body({ currency: 'US' }), /currency/],
  ['a currency of four letters', v2(), orderV2Body({ currency: 'USDX' }), /currency/],
  ['a currency with a NUL', v2(), orderV2Body({ currency: 'US\u0000' }), /currency/],
  ['no currency', v2(), orderV2Body({ currency: undefined }), /currency/],
  ['a v1 body labelled v2', v2(), orderBody({}), /totalMinor/],
  ['a v2 body labelled v1', headers({}, 'OrderPlaced'), orderV2Body({}), /total/],
  ['a NUL in a v2 line category', v2(), lineV2Body({ category: '\u0000' }), /category/],
  ['a v2 line quantity 2^31', v2(), lineV2Body({ quantity: 2 ** 31 }), /quantity/],
  ['a v2 placedAt in year 10000', v2(), orderV2Body({ placedAt: '+010000-01-01T00:00:00.000Z' }), /placedAt/],
];

const dateCases: Case[] = [
  ['occurredAt +010000-01-01', headers({ occurredAt: '"+010000-01-01T00:00:00.000Z"' }), productBody({}), /occurredAt/],
  [
    'occurredAt in year 10000 without the sign',
    headers({ occurredAt: '"10000-01-01T00:00:00Z"' }),
    productBody({}),
    /occurredAt/,
  ],
  ['occurredAt before 1970', headers({ occurredAt: '"1969-12-31T23:59:59Z"' }), productBody({}), /occurredAt/],
  ['occurredAt only V8 can read', headers({ occurredAt: '"foo 2020"' }), productBody({}), /occurredAt/],
  ['occurredAt on 30 February', headers({ occurredAt: '"2026-02-30T00:00:00Z"' }), productBody({}), /occurredAt/],
  ['occurredAt as a number', headers({ occurredAt: 1_764_000_000_000 }), productBody({}), /occurredAt/],
  ['placedAt that is not a date', headers({}, 'OrderPlaced'), orderBody({ placedAt: 'yesterday' }), /placedAt/],
  ['placedAt on 30 February', headers({}, 'OrderPlaced'), orderBody({ placedAt: '2026-02-30T00:00:00Z' }), /placedAt/],
  ['placedAt in year 10000', headers({}, 'OrderPlaced'), orderBody({ placedAt: '+010000-01-01T00:00:00.000Z' }), /placedAt/],
  [
    'placedAt with an offset Postgres refuses',
    headers({}, 'OrderPlaced'),
    orderBody({ placedAt: '2026-11-23T02:38:22+16:00' }),
    /placedAt/,
  ],
  [
    'cancelledAt as a bare date',
    headers({}, 'OrderCancelled'),
    json({ ...order, placedAt: undefined, cancelledAt: '2026-11-23' }),
    /cancelledAt/,
  ],
];

const headerTypeCases: Case[] = [
  ['the id header as an object', headers({ id: { value: id } }), productBody({}), /id/],
  ['the id header as a null-prototype object', headers({ id: bare }), productBody({}), /id/],
  ['the id header as an array holding the id', headers({ id: [`"${id}"`] }), productBody({}), /id/],
  ['the id header as a Buffer of invalid UTF-8', headers({ id: Buffer.from([0xff, 0xfe]) }), productBody({}), /id/],
  ['the event type header as a boolean', headers({ eventType: true }), productBody({}), /eventType/],
  [
    'the event type header as an AMQP decimal',
    headers({ eventType: { '!': 'decimal', value: { places: 0, digits: 1 } } }),
    json({}),
    /eventType/,
  ],
  [
    'the aggregate id as a Buffer of invalid UTF-8',
    headers({ aggregateId: Buffer.from([0x37, 0xc3]) }),
    productBody({}),
    /aggregateId/,
  ],
  ['the aggregate id as a float', headers({ aggregateId: 7.5 }), productBody({}), /aggregateId/],
  ['the occurredAt header as a Date', headers({ occurredAt: new Date('2026-11-23T00:00:00Z') }), productBody({}), /occurredAt/],
  ['the schema version as a symbol', headers({ schemaVersion: Symbol('1') }), productBody({}), /schemaVersion/],
  ['the position header as an array', headers({ position: [42] }), productBody({}), /position/],
  ['an empty aggregate id', headers({ aggregateId: '""' }), productBody({}), /aggregateId/],
];

describe('decodeEvent refuses hostile messages as invalid, saying why, and never throws', () => {
  describe.each([
    ['bodies', bodyCases],
    ['text', textCases],
    ['numbers', numberCases],
    ['dates', dateCases],
    ['header types', headerTypeCases],
    ['OrderPlaced v2', v2Cases],
  ])('%s', (_group, cases) => {
    it.each(cases)('%s', (_name, hostileHeaders, body, reason) => {
      let result: ReturnType<typeof decodeEvent> | undefined;
      expect(() => (result = decodeEvent(hostileHeaders, body, { shopCurrency: 'USD' }))).not.toThrow();
      expect(result).toMatchObject({ kind: 'invalid', reason: expect.stringMatching(reason) });
    });
  });
});
