import type pg from 'pg';
import type { KnownEvent } from '@shop/shared/events';
import { markProcessed } from './db/mark-processed.ts';
import { upsertProduct } from './products/upsert-product.ts';

export type ApplyOutcome = 'applied' | 'duplicate';

/** Inbox mark and projection on the caller's transaction: they commit together or not at all. */
export async function applyEvent(client: pg.PoolClient, event: KnownEvent): Promise<ApplyOutcome> {
  if (!(await markProcessed(client, event))) return 'duplicate';
  switch (event.type) {
    case 'ProductCreated':
    case 'ProductUpdated':
      await upsertProduct(client, event.payload, event.occurredAt);
      break;
    case 'OrderPlaced':
    case 'OrderCancelled':
      // Order read models arrive with the projector issue; the inbox still records the event.
      break;
  }
  return 'applied';
}
