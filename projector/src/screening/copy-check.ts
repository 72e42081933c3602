import type pg from 'pg';
import { decodeOutboxRow, type EventReader } from '@shop/shared/events';
import type { CopyCheck } from '../projection/apply-batch.ts';
import { differenceFromOutbox } from './outbox-copy.ts';
import { outboxRowsById } from './outbox-log.ts';

/**
 * Checks messages carrying the ids of noted dead letters against the events' outbox rows, in one
 * read of the write side for all of them. Asked only for such messages (re-driven dead letters
 * and forgeries), never for a batch of new events. The rows are decoded (and upcast) as the
 * messages were, with the same reader.
 */
export function outboxCopyCheck(write: pg.Pool, reader: EventReader): CopyCheck {
  return async (events) => {
    const rows = await outboxRowsById(write, [...new Set(events.map((e) => e.id))]);
    const outbox = new Map(rows.map((row) => [row.id, decodeOutboxRow(row, reader)]));
    return new Map(events.map((e) => [e, differenceFromOutbox(e, outbox.get(e.id))]));
  };
}
