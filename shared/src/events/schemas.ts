import { z } from 'zod';
import { toCents } from '../money.ts';
import { isStorableText, STORABLE_TEXT_MESSAGE } from '../text.ts';
import { INSTANT_MESSAGE, isAcceptedInstant } from './instant.ts';
import { MAX_AMOUNT_CENTS, MAX_CATEGORY_LENGTH, MAX_INT32, MAX_NAME_LENGTH, MAX_PRICE_CENTS } from './limits.ts';

/**
 * The event contract (docs/contract.md, "Events"): written by the command API into the outbox,
 * read by the projector. Version 1 payloads; a newer version gets its own schema and an upcaster.
 * Every field is bounded to what the read model can store (limits.ts says why each bound is
 * where it is): the command API checks its events against these schemas before writing them, so
 * it never publishes what the projector would refuse.
 */

/** Money in cents fits its numeric column once rounded the way the projector rounds it (toCents). */
const money = (maxCents: number, column: string) =>
  z
    .number()
    .nonnegative()
    .refine((amount) => toCents(amount) <= maxCents, `must be at most ${(maxCents / 100).toFixed(2)} (${column})`);
const price = money(MAX_PRICE_CENTS, 'numeric(12, 2)');
const amount = money(MAX_AMOUNT_CENTS, 'numeric(16, 2), in exact integer cents');

/** Postgres integer. */
const int32 = (min: number) => z.number().int().min(min).max(MAX_INT32);
const id = int32(1);

const text = (max: number) => z.string().max(max).refine(isStorableText, STORABLE_TEXT_MESSAGE);

/** Sent to Postgres as text and cast to timestamptz, so it must be a form Postgres reads as JS does. */
const instant = z.string().refine(isAcceptedInstant, INSTANT_MESSAGE);

export const productCreatedV1 = z.object({
  productId: id,
  name: text(MAX_NAME_LENGTH),
  category: text(MAX_CATEGORY_LENGTH),
  price,
  stock: int32(0),
});

export const productUpdatedV1 = productCreatedV1;

const orderLine = z.object({
  productId: id,
  category: text(MAX_CATEGORY_LENGTH),
  quantity: int32(1),
  unitPrice: price,
  lineTotal: amount,
});

/**
 * One order's lines are added up per category and per product in one statement: their sum must
 * fit an amount too, or a single event could overflow an aggregate it alone contributes to.
 */
const lines = z
  .array(orderLine)
  .refine(
    (items) => items.reduce((cents, line) => cents + toCents(line.lineTotal), 0) <= MAX_AMOUNT_CENTS,
    `line totals must add up to at most ${(MAX_AMOUNT_CENTS / 100).toFixed(2)}`,
  );

export const orderPlacedV1 = z.object({
  orderId: id,
  customerId: id,
  placedAt: instant,
  total: amount,
  items: lines,
});

export const orderCancelledV1 = z.object({
  orderId: id,
  customerId: id,
  cancelledAt: instant,
  total: amount,
  items: lines,
});

export const eventPayloadSchemas = {
  ProductCreated: productCreatedV1,
  ProductUpdated: productUpdatedV1,
  OrderPlaced: orderPlacedV1,
  OrderCancelled: orderCancelledV1,
} as const;

export type EventType = keyof typeof eventPayloadSchemas;
export type EventPayload<T extends EventType> = z.infer<(typeof eventPayloadSchemas)[T]>;

export const CURRENT_SCHEMA_VERSION = 1;

export const aggregateTypeOf: Record<EventType, 'product' | 'order'> = {
  ProductCreated: 'product',
  ProductUpdated: 'product',
  OrderPlaced: 'order',
  OrderCancelled: 'order',
};

export function isKnownEventType(type: string): type is EventType {
  return Object.hasOwn(eventPayloadSchemas, type);
}
