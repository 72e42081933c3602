import { z } from 'zod';

export const orderSchema = z
  .object({
    orderId: z.number().int(),
    customerId: z.number().int(),
    status: z.enum(['placed', 'cancelled']),
    total: z.number(),
    items: z.array(
      z.object({
        productId: z.number().int(),
        category: z.string(),
        quantity: z.number().int(),
        unitPrice: z.number(),
        lineTotal: z.number(),
      }),
    ),
    placedAt: z.string().nullable(),
    cancelledAt: z.string().nullable(),
  })
  .meta({ id: 'Order' });
