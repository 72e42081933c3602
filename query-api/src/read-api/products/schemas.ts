import { z } from 'zod';
import { textParam } from '@shop/shared/http';

export const productSchema = z
  .object({
    productId: z.number().int(),
    name: z.string(),
    category: z.string(),
    price: z.number(),
    stock: z.number().int(),
  })
  .meta({ id: 'Product' });

export const listProductsQuery = z.object({
  category: textParam(100).optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  offset: z.coerce.number().int().min(0).max(1_000_000_000).default(0),
});
