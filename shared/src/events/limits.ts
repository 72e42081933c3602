/**
 * What the projector accepts from the wire, and why each bound is where it is. Most come from the
 * read model's column types (projector/migrations/001_read_models.sql): an event outside them
 * would pass the decoder and then fail in SQL, where it is retried five times and dead-lettered
 * as a projection failure, or worse, fails a whole batch. Refused at decode time, it is parked at
 * once as `invalid` with the reason.
 */

/**
 * Largest message body, in bytes. The largest event the contract allows is an order of 100 lines
 * (categories of at most 100 characters): about 60 KB of JSON. 1 MiB leaves more than 15 times
 * that, and bounds the UTF-8 decoding, JSON parsing and schema work one message can cost.
 */
export const MAX_BODY_BYTES = 1024 * 1024;

/**
 * Longest header value we read (event type, aggregate id), in UTF-16 units. Ours are at most 36
 * (a uuid); the bound keeps an unknown type, which is quoted in the dead-letter reason, short.
 */
export const MAX_HEADER_LENGTH = 256;

/** Postgres `integer`: product, order and customer ids, quantities, stock, schema versions. */
export const MAX_INT32 = 2_147_483_647;

/**
 * Outbox positions are Postgres `bigint` (up to 2^63 - 1), but the event carries them as a JS
 * number, which is exact only up to 2^53 - 1: a larger position would be silently rounded, and
 * the lag inspector would compare the wrong one. Accepted: 1 to 2^53 - 1. An identity column
 * reaches 2^53 after 9 * 10^15 events, some 285 years at a million events per second.
 */
export const MAX_POSITION = Number.MAX_SAFE_INTEGER;

/** Prices (`price`, `unitPrice`) are `numeric(12, 2)`: at most 9,999,999,999.99, i.e. this many cents. */
export const MAX_PRICE_CENTS = 999_999_999_999;

/**
 * Amounts (`total`, `lineTotal`, and the lines of one order added up) are `numeric(16, 2)`, so
 * below 10^14; but the projector adds them up in integer cents in JS numbers, where a value
 * converted from a float (`Math.round(amount * 100)`) is exact only while the cents stay below
 * 2^50 (about 1.1 * 10^15). Accepted: at most 10^13 (10^15 cents), ten times the contract's
 * largest order (1,000,000.00 x 10,000 x 100 lines = 10^12).
 */
export const MAX_AMOUNT_CENTS = 10 ** 15;

/**
 * Instants (`occurredAt`, `placedAt`, `cancelledAt`): ISO 8601 with a four-digit year, from the
 * Unix epoch to the end of year 9999. Postgres `timestamptz` reaches further (4713 BC to 294276 AD),
 * but JS writes years past 9999 as `+010000-...`, which Postgres refuses, and an event of this
 * system cannot predate 1970: anything outside is a broken clock or a forged message.
 */
export const EARLIEST_INSTANT = new Date('1970-01-01T00:00:00.000Z');
export const LATEST_INSTANT = new Date('9999-12-31T23:59:59.999Z');

/**
 * Product names and categories, as the command API limits them (docs/contract.md, "Limits"). The
 * category is a key of `category_revenue` and of an index: a btree entry cannot exceed about
 * 2.7 kB, so a much longer one would fail in SQL.
 */
export const MAX_NAME_LENGTH = 200;
export const MAX_CATEGORY_LENGTH = 100;

/** Longest decode reason: it travels as an AMQP header and into `dead_letters.reason`. */
export const MAX_REASON_LENGTH = 1000;
