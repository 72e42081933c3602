import { z } from 'zod';
import { money, positiveId } from '../validation.ts';

export const placeOrderBody = z.strictObject({
  customerId: positiveId,
  items: z
    .array(
      z.strictObject({
        productId: positiveId,
        quantity: z.number().int().min(1).max(10_000),
        price: money.optional(),
      }),
    )
    .min(1)
    .max(100),
});

export type PlaceOrder = z.infer<typeof placeOrderBody>;
export type OrderLineRequest = PlaceOrder['items'][number];
