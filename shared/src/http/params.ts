import { z } from 'zod';

/** Path ids (products, orders, customers): decimal digits only, within Postgres integer range. */
export const idParam = z
  .string()
  .regex(/^[1-9][0-9]{0,9}$/, 'must be a positive integer')
  .transform(Number)
  .pipe(z.number().max(2_147_483_647));

/** `req.params` of a `/:id` route; a bad id is reported as the field `id`. */
export const idParams = z.object({ id: idParam });

/**
 * Text Postgres stores and compares exactly as sent: no NUL (text columns refuse it) and no lone
 * UTF-16 surrogate (not Unicode: the driver would store U+FFFD, and jsonb refuses its escape).
 */
export const isStorableText = (s: string) => !s.includes('\u0000') && !/\p{Cs}/u.test(s);

export const STORABLE_TEXT_MESSAGE = 'must be Unicode text without NUL characters';

/** A free-text path or query parameter (a category), matched as sent. */
export const textParam = (max: number) => z.string().min(1).max(max).refine(isStorableText, STORABLE_TEXT_MESSAGE);
