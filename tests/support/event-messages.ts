/**
 * Test-only: fast-check generators of RabbitMQ messages (headers + body) as the projector may
 * receive them, valid Debezium-shaped ones and hostile ones, and a check of a decoded event
 * against the read model's column ranges (projector/migrations/001_read_models.sql), written from
 * the SQL types rather than from the decoder so the two cannot share a mistake.
 */
import fc from 'fast-check';
import type { KnownEvent } from '@shop/shared/events';

export interface Message {
  headers: Record<string, unknown>;
  body: Buffer;
}

const MAX_INT32 = 2_147_483_647;
const MAX_BIGINT = 9_223_372_036_854_775_807n;

// ---------------------------------------------------------------------------------------------
// Valid messages: what Debezium Server publishes for an outbox row, in every header form we accept.
// ---------------------------------------------------------------------------------------------

const id32 = fc.integer({ min: 1, max: MAX_INT32 });
/** Any Unicode text Postgres can store (no NUL; 'binary' never yields lone surrogates), within the contract's lengths. */
const storable = (maxLength: number) =>
  fc.string({ unit: 'binary', maxLength }).filter((s) => !s.includes('\u0000') && s.length <= maxLength);
/** Money as the contract carries it: a JSON number with at most two decimals, drawn as whole cents. */
const amount = (maxCents: number) => fc.integer({ min: 0, max: maxCents }).map((cents) => cents / 100);
/** Instants with a four-digit year from 1970 on (the accepted range), as Dates with millisecond precision. */
const instant = fc.date({
  min: new Date('1970-01-01T00:00:00.000Z'),
  max: new Date('9999-12-31T23:59:59.999Z'),
  noInvalidDate: true,
});

const PRICE_CENTS = 999_999_999_999; // numeric(12,2)
const LINE_CENTS = 10 ** 15 / 8; // eight lines at most, so their sum stays within an order total (10^13)

const product = fc.record({
  productId: id32,
  name: storable(200),
  category: storable(100),
  price: amount(PRICE_CENTS),
  stock: fc.integer({ min: 0, max: MAX_INT32 }),
});

const line = fc.record({
  productId: id32,
  category: storable(100),
  quantity: fc.integer({ min: 1, max: MAX_INT32 }),
  unitPrice: amount(PRICE_CENTS),
  lineTotal: amount(LINE_CENTS),
});

const order = (at: 'placedAt' | 'cancelledAt') =>
  fc.record({
    orderId: id32,
    customerId: id32,
    [at]: instant.map((d) => d.toISOString()),
    total: amount(10 ** 15),
    items: fc.array(line, { maxLength: 8 }),
  });

/** The currency the property tests' reader adds up (its SHOP_CURRENCY). */
export const READER_CURRENCY = 'USD';
const cents = (max: number) => fc.integer({ min: 0, max });

/** OrderPlaced in its current shape (v2): amounts in cents, in the reader's currency. */
const placedV2 = fc.record({
  orderId: id32,
  customerId: id32,
  placedAt: instant.map((d) => d.toISOString()),
  currency: fc.constant(READER_CURRENCY),
  totalMinor: cents(10 ** 15),
  items: fc.array(
    fc.record({
      productId: id32,
      category: storable(100),
      quantity: fc.integer({ min: 1, max: MAX_INT32 }),
      unitPriceMinor: cents(PRICE_CENTS),
      lineTotalMinor: cents(LINE_CENTS),
    }),
    { maxLength: 8 },
  ),
});

type PlacedV2 = typeof placedV2 extends fc.Arbitrary<infer T> ? T : never;

/** The same order as version 1 wrote it: decimal amounts (cents / 100), no currency (the shop's). */
const asV1 = ({ currency: _currency, totalMinor, items, ...rest }: PlacedV2) => ({
  ...rest,
  total: totalMinor / 100,
  items: items.map(({ unitPriceMinor, lineTotalMinor, ...l }) => ({
    ...l,
    unitPrice: unitPriceMinor / 100,
    lineTotal: lineTotalMinor / 100,
  })),
});

/**
 * Each event as decoded (`payload`, the current shape) and as written (`written`, in `version`):
 * OrderPlaced is written as v1 or v2 and decodes to the same v2 payload either way; the others
 * have one version. The expected payload is drawn first, independently of the upcaster.
 */
const payloads = fc.oneof(
  fc
    .record({ type: fc.constantFrom('ProductCreated' as const, 'ProductUpdated' as const), payload: product })
    .map((e) => ({ ...e, version: 1, written: e.payload })),
  fc
    .record({ type: fc.constant('OrderPlaced' as const), payload: placedV2, version: fc.constantFrom(1, 2) })
    .map((e) => ({ ...e, written: e.version === 1 ? asV1(e.payload) : e.payload })),
  fc
    .record({ type: fc.constant('OrderCancelled' as const), payload: order('cancelledAt') })
    .map((e) => ({ ...e, version: 1, written: e.payload })),
);

/** Valid events as written: what a message carries (`written`, in `event.version`) and decodes to (`event`). */
const validWrittenEvent: fc.Arbitrary<{ event: KnownEvent; written: unknown }> = fc
  .record({
    typed: payloads,
    id: fc.uuid({ version: [1, 4, 7] }),
    occurredAt: instant,
    aggregateId: fc.oneof(
      id32.map(String),
      storable(64).filter((s) => s.length > 0),
    ),
    position: fc.option(fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }), { nil: null }),
  })
  .map(({ typed: { written, ...typed }, ...rest }) => ({ event: { ...rest, ...typed } as KnownEvent, written }));

/** Valid events: what a message decodes to, generated first so the message can be built from it. */
export const validEvent: fc.Arbitrary<KnownEvent> = validWrittenEvent.map(({ event }) => event);

type TextForm = 'json' | 'plain' | 'buffer-json' | 'buffer-plain';
type NumberForm = 'text' | 'number' | 'buffer';
const textForm = fc.constantFrom<TextForm>('json', 'plain', 'buffer-json', 'buffer-plain');
const numberForm = fc.constantFrom<NumberForm>('text', 'number', 'buffer');

/** A string header as Debezium's JSON header converter sends it (quoted), or another converter (plain), or as bytes. */
function textHeader(value: string, form: TextForm): unknown {
  // A plain value that itself looks JSON-quoted can only be sent quoted: plain, it would be read as the quoted text.
  const ambiguous = value.length >= 2 && value.startsWith('"') && value.endsWith('"');
  const text = form === 'json' || form === 'buffer-json' || ambiguous ? JSON.stringify(value) : value;
  return form.startsWith('buffer') ? Buffer.from(text) : text;
}

function numberHeader(value: number, form: NumberForm): unknown {
  if (form === 'number') return value;
  return form === 'buffer' ? Buffer.from(String(value)) : String(value);
}

/**
 * An occurred-at as Debezium writes a timestamptz (ISO 8601, often with microseconds, which the
 * decoder drops), sometimes with a numeric offset instead of Z, when that keeps a four-digit year.
 */
const occurredAtText = (at: Date) =>
  fc
    .record({ micros: fc.option(fc.integer({ min: 0, max: 999 })), offsetMinutes: fc.integer({ min: -14 * 60, max: 14 * 60 }) })
    .map(({ micros, offsetMinutes }) => {
      const suffix = micros === null ? '' : String(micros).padStart(3, '0');
      const local = new Date(at.getTime() + offsetMinutes * 60_000);
      if (offsetMinutes === 0 || local.getUTCFullYear() > 9999 || local.getUTCFullYear() < 1000) {
        return at.toISOString().replace('Z', `${suffix}Z`);
      }
      const sign = offsetMinutes < 0 ? '-' : '+';
      const abs = Math.abs(offsetMinutes);
      const offset = `${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
      return local.toISOString().replace('Z', `${suffix}${offset}`);
    });

/** A valid event with the message that carries it, in any of the header forms the decoder accepts. */
export const validMessage: fc.Arbitrary<{ event: KnownEvent; message: Message }> = validWrittenEvent.chain(({ event, written }) =>
  fc
    .record({
      id: textForm,
      type: textForm,
      aggregateId: textForm,
      occurredAtForm: textForm,
      occurredAt: occurredAtText(event.occurredAt),
      version: numberForm,
      position: numberForm,
    })
    .map((forms) => {
      const headers: Record<string, unknown> = {
        id: textHeader(event.id, forms.id),
        eventType: textHeader(event.type, forms.type),
        schemaVersion: numberHeader(event.version, forms.version),
        occurredAt: textHeader(forms.occurredAt, forms.occurredAtForm),
        aggregateId: textHeader(event.aggregateId, forms.aggregateId),
      };
      if (event.position !== null) headers.position = numberHeader(event.position, forms.position);
      return { event, message: { headers, body: Buffer.from(JSON.stringify(written)) } };
    }),
);

// ---------------------------------------------------------------------------------------------
// Hostile messages: every AMQP-ish value type in every header, hostile payload values, raw bytes.
// ---------------------------------------------------------------------------------------------

const HEADER_NAMES = ['id', 'eventType', 'schemaVersion', 'occurredAt', 'aggregateId', 'position'] as const;

/** Numbers at and around every boundary the read model has, plus the ones JSON and floats make awkward. */
const edgeNumber = fc.oneof(
  fc.constantFrom(
    0,
    -0,
    -1,
    0.5,
    0.001,
    1e-7,
    MAX_INT32,
    MAX_INT32 + 1,
    2 ** 32,
    2 ** 53 - 1,
    2 ** 53,
    2 ** 53 + 2,
    2 ** 63,
    2 ** 64,
    9_999_999_999.99,
    9_999_999_999.995,
    1e10,
    (10 ** 16 - 1) / 100, // the largest numeric(16,2), as near as a double gets
    1e13,
    1e14,
    1e16,
    1e21,
    1e300,
    Number.MAX_VALUE,
    Number.MIN_VALUE,
    Number.EPSILON,
    Infinity,
    -Infinity,
    NaN,
  ),
  fc.double(),
  fc.integer(),
);

const edgeText = fc.oneof(
  fc.constantFrom('', '\u0000', 'a\u0000b', '\ud800', 'a\udc00', '\udc00\ud800', '\ufffd', '\u{1f600}', ' ', '"'),
  fc.string({ unit: 'binary' }),
  fc.string({ unit: fc.constantFrom('a', '\u0000', '\ud800', '\udfff', '\u00e9', '\u{10ffff}') }),
  fc.nat({ max: 3000 }).map((n) => 'c'.repeat(n)),
);

const edgeDate = fc.oneof(
  fc.constantFrom(
    '+010000-01-01T00:00:00.000Z',
    '-000001-01-01T00:00:00.000Z',
    '10000-01-01T00:00:00Z',
    '9999-12-31T23:59:59.999Z',
    '1969-12-31T23:59:59.999Z',
    '0001-01-01T00:00:00Z',
    '2026-02-30T00:00:00Z',
    '2026-13-01T00:00:00Z',
    '2026-11-23T24:00:00Z',
    '2026-11-23T23:59:60Z',
    '2026-11-23T02:38:22+16:00',
    '2026-11-23',
    '2026-11-23 02:38:22+00',
    'yesterday',
    'foo 2020',
    'Mon, 23 Nov 2026 02:38:22 GMT',
    'Infinity',
    'infinity',
    '',
  ),
  fc.date().map((d) => (Number.isNaN(d.getTime()) ? 'Invalid Date' : d.toISOString())),
  fc.string(),
);

/** Any JSON-ish value, for payload fields. */
const jsonish = fc.oneof(edgeNumber, edgeText, edgeDate, fc.boolean(), fc.constant(null), fc.jsonValue());

/** A value of any type amqplib can hand over in a header table, and then some (JS types it never produces). */
export const amqpValue: fc.Arbitrary<unknown> = fc.oneof(
  edgeText,
  edgeText.map((s) => JSON.stringify(s)),
  edgeDate,
  edgeDate.map((s) => JSON.stringify(s)),
  edgeNumber,
  edgeNumber.map(String),
  fc.bigInt(),
  fc.constantFrom(2n ** 63n, 2n ** 63n - 1n, -(2n ** 63n)),
  fc.boolean(),
  fc.constant(null),
  fc.constant(undefined),
  fc.uint8Array({ maxLength: 64 }).map((bytes) => Buffer.from(bytes)),
  edgeText.map((s) => Buffer.from(s)),
  fc.constantFrom(Buffer.from([0xff]), Buffer.from([0xc3, 0x28]), Buffer.from([0xed, 0xa0, 0x80]), Buffer.from('"\u0000"')),
  fc.anything({
    withNullPrototype: true,
    withBigInt: true,
    withDate: true,
    withTypedArray: true,
    withBoxedValues: true,
    withMap: true,
    withSet: true,
    withSparseArray: true,
    maxDepth: 2,
  }),
  fc.array(
    fc.string().map((s) => JSON.stringify(s)),
    { maxLength: 2 },
  ),
  fc.constantFrom({ '!': 'decimal', value: { places: 2, digits: 100 } }, { '!': 'float', value: 1.5 }),
);

/** Arbitrary headers: any subset of the envelope's names (plus strangers), each with any value. */
export const arbitraryHeaders: fc.Arbitrary<Record<string, unknown>> = fc.dictionary(
  fc.oneof(fc.constantFrom(...HEADER_NAMES), fc.string()),
  amqpValue,
  { maxKeys: 8 },
);

const MIB = 1024 * 1024;
/** Shared, not regenerated: a body just over any sane limit, in valid JSON and in junk. */
const hugeBodies = [
  Buffer.from(JSON.stringify({ productId: 1, name: 'n'.repeat(2 * MIB), category: 'c', price: 1, stock: 1 })),
  Buffer.alloc(2 * MIB, 0x20),
];

/** Arbitrary bodies: random bytes, random JSON, and the huge ones. */
export const arbitraryBody: fc.Arbitrary<Buffer> = fc.oneof(
  { weight: 4, arbitrary: fc.uint8Array({ maxLength: 512 }).map((bytes) => Buffer.from(bytes)) },
  { weight: 4, arbitrary: fc.jsonValue().map((v) => Buffer.from(JSON.stringify(v) ?? 'null')) },
  { weight: 1, arbitrary: fc.constantFrom(...hugeBodies) },
);

type Mutation =
  | { kind: 'header'; name: string; value: unknown }
  | { kind: 'drop-header'; name: string }
  | { kind: 'field'; path: string; value: unknown }
  | { kind: 'body'; body: Buffer };

const payloadPaths = [
  'productId',
  'name',
  'category',
  'price',
  'stock',
  'orderId',
  'customerId',
  'placedAt',
  'cancelledAt',
  'total',
  'currency',
  'totalMinor',
  'items',
  'items.0.productId',
  'items.0.category',
  'items.0.quantity',
  'items.0.unitPrice',
  'items.0.lineTotal',
  'items.0.unitPriceMinor',
  'items.0.lineTotalMinor',
];

const fieldMutation: fc.Arbitrary<Mutation> = fc.record({
  kind: fc.constant('field' as const),
  path: fc.constantFrom(...payloadPaths),
  value: jsonish,
});

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('header' as const), name: fc.constantFrom(...HEADER_NAMES), value: amqpValue }),
  fc.record({ kind: fc.constant('drop-header' as const), name: fc.constantFrom(...HEADER_NAMES) }),
  fieldMutation,
  fc.record({ kind: fc.constant('body' as const), body: arbitraryBody }),
);

/** Sets a dotted path in a JSON value (creating nothing: a path that does not exist is left alone). */
function setPath(target: unknown, path: string, value: unknown): void {
  const keys = path.split('.');
  let node = target;
  for (const key of keys.slice(0, -1)) {
    if (typeof node !== 'object' || node === null) return;
    node = (node as Record<string, unknown>)[key];
  }
  if (typeof node === 'object' && node !== null) (node as Record<string, unknown>)[keys[keys.length - 1]!] = value;
}

function mutate({ message }: { message: Message }, mutations: Mutation[]): Message {
  const headers = { ...message.headers };
  // The payload as written (in the message's version), not as decoded.
  const payload: unknown = JSON.parse(message.body.toString());
  let body: Buffer | undefined;
  for (const m of mutations) {
    if (m.kind === 'header') headers[m.name] = m.value;
    else if (m.kind === 'drop-header') delete headers[m.name];
    else if (m.kind === 'field') setPath(payload, m.path, m.value);
    else body = m.body;
  }
  // JSON.stringify writes NaN and Infinity as null and drops undefined: hostile, but still JSON.
  return { headers, body: body ?? Buffer.from(JSON.stringify(payload)) };
}

/** Valid messages with one to three things broken: the hostile inputs that get furthest into the decoder. */
export const nearlyValidMessage: fc.Arbitrary<Message> = fc
  .tuple(validMessage, fc.array(mutation, { minLength: 1, maxLength: 3 }))
  .map(([valid, mutations]) => mutate(valid, mutations));

/** Valid messages with one to three payload fields set to edge values: the ones that get as far as SQL. */
export const edgePayloadMessage: fc.Arbitrary<Message> = fc
  .tuple(validMessage, fc.array(fieldMutation, { minLength: 1, maxLength: 3 }))
  .map(([valid, mutations]) => mutate(valid, mutations));

/** Anything at all: arbitrary headers and bodies, or valid messages with parts broken. */
export const hostileMessage: fc.Arbitrary<Message> = fc.oneof(
  fc.record({ headers: arbitraryHeaders, body: arbitraryBody }),
  nearlyValidMessage,
);

// ---------------------------------------------------------------------------------------------
// The read model's column ranges, checked on a decoded event.
// ---------------------------------------------------------------------------------------------

const storableText = (s: string) => !s.includes('\u0000') && !/\p{Cs}/u.test(s);
const int32 = (n: number, min: number) => Number.isSafeInteger(n) && n >= min && n <= MAX_INT32;
/** The text the projector sends for a numeric column (cents / 100 with two decimals) fits numeric(precision, 2). */
const numericFits = (amount: number, precision: number) => {
  const cents = Math.round(amount * 100);
  return (
    Number.isSafeInteger(cents) && cents >= 0 && new RegExp(`^\\d{1,${precision - 2}}\\.\\d{2}$`).test((cents / 100).toFixed(2))
  );
};
/** An ISO 8601 instant on a real calendar day with a four-digit year from 1970 (what Postgres and JS both read alike). */
const instantText = (s: string) => {
  const match = /^(\d{4})-(\d{2})-(\d{2})T\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?(?:Z|[+-]\d{2}:\d{2})$/.exec(s);
  if (!match) return false;
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const calendar = new Date(Date.UTC(year, month - 1, day));
  return Number.isFinite(Date.parse(s)) && calendar.getUTCMonth() === month - 1 && calendar.getUTCDate() === day;
};
const instantDate = (d: Date) => Number.isFinite(d.getTime()) && d.getTime() >= 0 && d.getUTCFullYear() <= 9999;

/** The fields of a decoded event that Postgres would refuse, or that lie outside the documented accepted ranges. */
export function outOfRange(event: KnownEvent): string[] {
  const bad: string[] = [];
  const check = (ok: boolean, what: string) => void (ok || bad.push(what));
  check(int32(event.version, 1), 'version');
  check(instantDate(event.occurredAt), 'occurredAt');
  check(event.aggregateId.length > 0 && storableText(event.aggregateId), 'aggregateId');
  check(storableText(event.type), 'type');
  check(
    event.position === null ||
      (Number.isSafeInteger(event.position) && event.position >= 1 && BigInt(event.position) <= MAX_BIGINT),
    'position',
  );
  if (event.type === 'ProductCreated' || event.type === 'ProductUpdated') {
    const p = event.payload;
    check(int32(p.productId, 1), 'productId');
    check(int32(p.stock, 0), 'stock');
    check(numericFits(p.price, 12), 'price');
    check(storableText(p.name) && storableText(p.category) && p.category.length <= 100, 'text');
    return bad;
  }
  // OrderPlaced decodes to v2 (cents, a currency), OrderCancelled is v1 (decimal amounts): both in cents here.
  const o =
    event.type === 'OrderPlaced'
      ? { ...event.payload, at: event.payload.placedAt }
      : { ...event.payload, at: event.payload.cancelledAt };
  const money =
    event.type === 'OrderPlaced'
      ? {
          total: event.payload.totalMinor,
          lines: event.payload.items.map((l) => ({ unit: l.unitPriceMinor, line: l.lineTotalMinor })),
        }
      : {
          total: Math.round(event.payload.total * 100),
          lines: event.payload.items.map((l) => ({ unit: Math.round(l.unitPrice * 100), line: Math.round(l.lineTotal * 100) })),
        };
  if (event.type === 'OrderPlaced') check(/^[A-Z]{3}$/.test(event.payload.currency), 'currency');
  check(int32(o.orderId, 1) && int32(o.customerId, 1), 'order ids');
  check(numericFits(money.total / 100, 16), 'total');
  check(instantText(o.at), 'placedAt/cancelledAt');
  for (const l of o.items) {
    check(int32(l.productId, 1) && int32(l.quantity, 1), 'line ints');
    check(storableText(l.category) && l.category.length <= 100, 'line category');
  }
  for (const l of money.lines) check(numericFits(l.unit / 100, 12) && numericFits(l.line / 100, 16), 'line money');
  const lineCents = money.lines.reduce((sum, l) => sum + l.line, 0);
  check(numericFits(lineCents / 100, 16), 'sum of line totals');
  return bad;
}
