import { z } from 'zod';
import { isAcceptedInstant } from '@shop/shared/events';

/**
 * `?asOf=`: an RFC 3339 date-time with seconds and a zone (`2026-12-07T21:00:00Z`,
 * `…T22:00:00.123456+01:00`), checked strictly (@shop/shared/events parseInstant: no
 * `2026-12-07`, no 30 February). It is then handed to Postgres as given, so its microseconds
 * count: an event's `occurredAt` from the history, sent back, includes that event.
 */
export const asOfQuery = z.object({
  asOf: z
    .string()
    .refine(isAcceptedInstant, 'must be an RFC 3339 date-time with seconds and a zone (Z or ±HH:MM), from 1970 to 9999')
    .optional()
    .meta({
      description:
        'answer the read model as it was at this moment: computed from the events that occurred at or before it, in log order',
    }),
});
