import { z } from 'zod';
import { isStorableText, STORABLE_TEXT_MESSAGE } from '../text.ts';

/** Path ids (products, orders, customers): decimal digits only, within Postgres integer range. */
export const idParam = z
  .string()
  .regex(/^[1-9][0-9]{0,9}$/, 'must be a positive integer')
  .transform(Number)
  .pipe(z.number().max(2_147_483_647));

/** `req.params` of a `/:id` route; a bad id is reported as the field `id`. */
export const idParams = z.object({ id: idParam });

// Defined with the rest of the text rules; re-exported here, where the HTTP input rules have always taken them from.
export { isStorableText, STORABLE_TEXT_MESSAGE } from '../text.ts';

/** A free-text path or query parameter (a category), matched as sent. */
export const textParam = (max: number) => z.string().min(1).max(max).refine(isStorableText, STORABLE_TEXT_MESSAGE);
