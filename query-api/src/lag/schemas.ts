import { z } from 'zod';

export const syncStatusSchema = z
  .object({
    lastProcessedEventTimestamp: z.string().nullable(),
    lagSeconds: z.number().nullable(),
    eventsBehind: z.number().int().nullable(),
    /** Events committed longer ago than the reconciler's grace period, neither projected nor parked (0 when healthy). */
    missing: z.number().int().nullable(),
    /** Applied events that are not in the outbox log: forged, or not published by Debezium (0 when healthy). */
    unknown: z.number().int().nullable(),
    debezium: z.object({
      slot: z.string(),
      active: z.boolean().nullable(),
      confirmedFlushLsn: z.string().nullable(),
      currentWalLsn: z.string().nullable(),
      lagBytes: z.number().nullable(),
      offsetLsn: z.string().nullable(),
      offsetTime: z.string().nullable(),
      /** The Debezium instance holding the slot's lease (it streams once `active`); null when none does. */
      activeInstance: z.string().nullable(),
      activeSince: z.string().nullable(),
      /** Instances waiting to take over (DEBEZIUM_STANDBY). */
      standbyInstances: z.array(z.string()),
    }),
    projector: z.object({
      lastEventId: z.string().nullable(),
      processed: z.number().int().nullable(),
      deadLettered: z.number().int().nullable(),
    }),
    /**
     * The notifier, the second consumer of the events (notifier/README.md): its own lag and missing
     * events, measured as the projector's against its own inbox and audit (notifier.audit).
     */
    notifier: z.object({
      /** Events since its baseline committed and not yet settled in its inbox, the missing included. */
      eventsBehind: z.number().int().nullable(),
      /** Age of the oldest of them in seconds (0 when caught up). */
      lagSeconds: z.number().nullable(),
      /** Events older than its audit's grace period that never reached its inbox (0 when healthy). */
      missing: z.number().int().nullable(),
      /** Inbox rows by state: answered 2xx; given up (attempts spent, refused, unreadable); kept in table mode. */
      delivered: z.number().int().nullable(),
      parked: z.number().int().nullable(),
      recorded: z.number().int().nullable(),
      /** The occurred-at of the settled event highest in the log. */
      lastEventAt: z.string().nullable(),
    }),
    /** Parts of the pipeline that could not be read; their fields are null (`notifier`: the notifier's tables). */
    unreachable: z.array(z.enum(['writeDatabase', 'readDatabase', 'notifier'])),
  })
  .meta({ id: 'SyncStatus' });

export type SyncStatus = z.infer<typeof syncStatusSchema>;
