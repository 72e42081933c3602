import { z } from 'zod';
import { money, text } from '../validation.ts';

export const createProductBody = z.strictObject({
  name: text(200),
  category: text(100),
  price: money,
  stock: z.number().int().min(0).max(1_000_000_000),
});

export const updateProductBody = createProductBody.partial().refine((b) => Object.keys(b).length > 0, 'no field to update');

export type CreateProduct = z.infer<typeof createProductBody>;
export type UpdateProduct = z.infer<typeof updateProductBody>;
