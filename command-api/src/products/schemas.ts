import { z } from 'zod';

/** At most two decimals, checked on the value in cents so 0.1 + 0.2 style floats are not refused. */
const money = z
  .number()
  .positive()
  .max(1_000_000)
  .refine((n) => Math.abs(n * 100 - Math.round(n * 100)) < 1e-6, 'at most 2 decimals');

export const createProductBody = z.strictObject({
  name: z.string().trim().min(1).max(200),
  category: z.string().trim().min(1).max(100),
  price: money,
  stock: z.number().int().min(0).max(1_000_000_000),
});

export const updateProductBody = createProductBody.partial().refine((b) => Object.keys(b).length > 0, 'no field to update');

export type CreateProduct = z.infer<typeof createProductBody>;
export type UpdateProduct = z.infer<typeof updateProductBody>;
