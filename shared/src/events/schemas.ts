import { z } from 'zod';
import { toCents } from '../money.ts';
import { isStorableText, STORABLE_TEXT_MESSAGE } from '../text.ts';
import { INSTANT_MESSAGE, isAcceptedInstant } from './instant.ts';
import { MAX_AMOUNT_CENTS, MAX_CATEGORY_LENGTH, MAX_INT32, MAX_NAME_LENGTH, MAX_PRICE_CENTS } from './limits.ts';

/**
 * The event contract (docs/contract.md, "Events"): written by the command API into the outbox,
 * read by the projector. Each type has its versions, each with its own schema (`eventVersions`
 * below); the decoder checks an event against the schema of the version it was written in, then
 * upcasts it to the current one (upcast.ts). Every field is bounded to what the read model can
 * store (limits.ts says why each bound is where it is), in every version: the command API checks
 * its events against these schemas before writing them, so it never publishes what the projector
 * would refuse.
 */

/** Money in cents fits its numeric column once rounded the way the projector rounds it (toCents). */
const money = (maxCents: number, column: string) =>
  z
    .number()
    .nonnegative()
    .refine((amount) => toCents(amount) <= maxCents, `must be at most ${(maxCents / 100).toFixed(2)} (${column})`);
const price = money(MAX_PRICE_CENTS, 'numeric(12, 2)');
const amount = money(MAX_AMOUNT_CENTS, 'numeric(16, 2), in exact integer cents');

/** Money in integer minor units (cents): the same bounds as `money`, with nothing to round. */
const minor = (maxMinor: number) => z.number().int().nonnegative().max(maxMinor);
const priceMinor = minor(MAX_PRICE_CENTS);
const amountMinor = minor(MAX_AMOUNT_CENTS);

/** An ISO 4217 currency code (three capital letters); which ones a read side takes is its setting (SHOP_CURRENCY). */
const currencyCode = z.string().regex(/^[A-Z]{3}$/, 'must be an ISO 4217 currency code (three capital letters)');

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

/** Version 1 of OrderPlaced: amounts as JSON numbers with two decimals, in the shop's currency (unnamed). */
export const orderPlacedV1 = z.object({
  orderId: id,
  customerId: id,
  placedAt: instant,
  total: amount,
  items: lines,
});

const orderLineV2 = z.object({
  productId: id,
  category: text(MAX_CATEGORY_LENGTH),
  quantity: int32(1),
  unitPriceMinor: priceMinor,
  lineTotalMinor: amountMinor,
});

/**
 * Version 2 of OrderPlaced: amounts in integer minor units (cents) and the currency they are in,
 * so nothing is rounded on the way and no reader has to guess the currency.
 */
export const orderPlacedV2 = z.object({
  orderId: id,
  customerId: id,
  placedAt: instant,
  currency: currencyCode,
  totalMinor: amountMinor,
  items: z
    .array(orderLineV2)
    .refine(
      (items) => items.reduce((cents, line) => cents + line.lineTotalMinor, 0) <= MAX_AMOUNT_CENTS,
      `line totals must add up to at most ${MAX_AMOUNT_CENTS} minor units`,
    ),
});

/** Still version 1 (amounts in the shop's currency, as OrderPlaced v1's). */
export const orderCancelledV1 = z.object({
  orderId: id,
  customerId: id,
  cancelledAt: instant,
  total: amount,
  items: lines,
});

/**
 * Every version of every event type, and the one the command API writes now (`current`): only
 * OrderPlaced has a version 2 so far. A new version adds its schema here and its upcaster from
 * the one before in upcast.ts; the versions before stay, so that the whole log stays readable.
 */
export const eventVersions = {
  ProductCreated: { current: 1, schemas: { 1: productCreatedV1 } },
  ProductUpdated: { current: 1, schemas: { 1: productUpdatedV1 } },
  OrderPlaced: { current: 2, schemas: { 1: orderPlacedV1, 2: orderPlacedV2 } },
  OrderCancelled: { current: 1, schemas: { 1: orderCancelledV1 } },
} as const;

export type EventType = keyof typeof eventVersions;
type Versions<T extends EventType> = (typeof eventVersions)[T]['schemas'];
type CurrentVersion<T extends EventType> = (typeof eventVersions)[T]['current'];
/** A payload in the version it was written in. */
export type VersionedPayload<T extends EventType, V extends keyof Versions<T>> = z.infer<Versions<T>[V]>;
type CurrentSchema<T extends EventType> = Versions<T>[CurrentVersion<T> & keyof Versions<T>];
/** A payload in the current version: what the command API writes and every consumer sees (decoded and upcast). */
export type EventPayload<T extends EventType> = z.infer<CurrentSchema<T>>;

/** The current version's schema of each type. */
export const eventPayloadSchemas: { [T in EventType]: CurrentSchema<T> } = {
  ProductCreated: eventVersions.ProductCreated.schemas[eventVersions.ProductCreated.current],
  ProductUpdated: eventVersions.ProductUpdated.schemas[eventVersions.ProductUpdated.current],
  OrderPlaced: eventVersions.OrderPlaced.schemas[eventVersions.OrderPlaced.current],
  OrderCancelled: eventVersions.OrderCancelled.schemas[eventVersions.OrderCancelled.current],
};

/** The schema of one version of a type; undefined for a version this build does not know. */
export function schemaOf(type: EventType, version: number): z.ZodType | undefined {
  const schemas: Partial<Record<number, z.ZodType>> = eventVersions[type].schemas;
  return schemas[version];
}

export const aggregateTypeOf: Record<EventType, 'product' | 'order'> = {
  ProductCreated: 'product',
  ProductUpdated: 'product',
  OrderPlaced: 'order',
  OrderCancelled: 'order',
};

export function isKnownEventType(type: string): type is EventType {
  return Object.hasOwn(eventVersions, type);
}
