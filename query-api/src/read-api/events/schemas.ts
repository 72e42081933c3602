import { z } from 'zod';
import { EVENT_STATES } from '@shop/shared/read-side';

/** The most events one page of a history holds, and how many it holds unless asked. */
export const HISTORY_MAX_LIMIT = 500;
export const HISTORY_DEFAULT_LIMIT = 100;

export const historyQuery = z.object({
  after: z
    .string()
    .regex(/^(0|[1-9][0-9]{0,17})$/, 'must be an outbox position (a non-negative integer)')
    .default('0')
    .meta({ description: 'the cursor: list the events after this position (the previous page’s `next`)' }),
  limit: z.coerce.number().int().min(1).max(HISTORY_MAX_LIMIT).default(HISTORY_DEFAULT_LIMIT),
});

export const historyEventSchema = z
  .object({
    eventId: z.string(),
    type: z.string(),
    schemaVersion: z.number().int(),
    position: z.number().int().meta({ description: 'the event’s place in the outbox log (commit order)' }),
    occurredAt: z.string().meta({ description: 'UTC, to the microsecond: sent back as ?asOf= it includes this event' }),
    payload: z.unknown(),
    state: z.enum(EVENT_STATES).meta({
      description:
        'applied (in the read models), parked (a dead letter, see reason), missing (the reconciler found it neither applied nor parked), pending (on its way)',
    }),
    reason: z.string().nullable().meta({ description: 'why it was parked; null unless parked' }),
  })
  .meta({ id: 'HistoryEvent' });

export const historySchema = z
  .object({
    aggregateType: z.enum(['order', 'product']),
    aggregateId: z.number().int(),
    events: z.array(historyEventSchema),
    next: z
      .number()
      .int()
      .nullable()
      .meta({ description: 'the cursor of the next page (send it as ?after=), null on the last page' }),
  })
  .meta({ id: 'EventHistory' });
