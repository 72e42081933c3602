import { z } from 'zod';

/** Path ids (products, orders, customers): decimal digits only, within Postgres integer range. */
export const idParam = z
  .string()
  .regex(/^[1-9][0-9]{0,9}$/, 'must be a positive integer')
  .transform(Number)
  .pipe(z.number().max(2_147_483_647));

/** `req.params` of a `/:id` route; a bad id is reported as the field `id`. */
export const idParams = z.object({ id: idParam });
