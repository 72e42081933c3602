import { z } from 'zod';

/**
 * The event contract (CONTRACT.md, "Events"): written by the command API into the outbox,
 * read by the projector. Version 1 payloads; a newer version gets its own schema and an upcaster.
 */
const money = z.number().finite().nonnegative();
const id = z.number().int().positive();

export const productCreatedV1 = z.object({
  productId: id,
  name: z.string(),
  category: z.string(),
  price: money,
  stock: z.number().int().nonnegative(),
});

export const productUpdatedV1 = productCreatedV1;

const orderLine = z.object({
  productId: id,
  category: z.string(),
  quantity: z.number().int().positive(),
  unitPrice: money,
  lineTotal: money,
});

export const orderPlacedV1 = z.object({
  orderId: id,
  customerId: id,
  placedAt: z.string(),
  total: money,
  items: z.array(orderLine),
});

export const orderCancelledV1 = z.object({
  orderId: id,
  customerId: id,
  cancelledAt: z.string(),
  total: money,
  items: z.array(orderLine),
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
