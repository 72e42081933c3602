import type pg from 'pg';
import { decodeOutboxRow, type EventReader, type KnownEvent, type OutboxRow } from '@shop/shared/events';
import { withTransaction } from '@shop/shared/db';
import { waitForHighWaterMark, type OutboxLocker } from '@shop/shared/outbox';
import { LIVE_SCHEMA, NO_SHARD, noteSkipped, SHADOW_SCHEMA, useSchema } from '@shop/shared/read-side';
import { applyBatch } from '../projection/apply-batch.ts';
import { historyCoverage, PartialHistoryError, type HistoryCoverage } from './history.ts';
import { countOutboxUpTo, readOutbox } from './outbox-log.ts';
import { createShadowSchema, dropRetired, swapInShadow } from './shadow-schema.ts';

export interface RebuildProgress {
  start(total: number): void;
  advance(done: number): void;
  /** The replay is done; the newest events are applied and the schemas swapped in one transaction. */
  swapping?(): void;
  stop(): void;
  /** Before the start: write transactions still open on the outbox that the rebuild waits for. */
  waiting?(lockers: readonly OutboxLocker[]): void;
}

export interface RebuildReport {
  events: number;
  applied: number;
  /** Events the running projector would park too (unknown type, newer version, invalid): not applied. */
  skipped: { id: string; reason: string }[];
  /** The history replayed: since when, how much of it from the archive, what was dropped from it. */
  history: HistoryCoverage;
}

/**
 * Rebuilds every read model from the event log (archived partitions and the live outbox) into a
 * shadow schema while the live
 * models keep serving (and the projector keeps projecting), then swaps it in.
 *
 * The first pass replays the outbox up to its high-water mark: it first waits for the write
 * transactions that may still add rows below the mark, so none of them can commit behind the
 * pass. At the swap the projector's inbox is locked, every event after the mark is applied to the
 * shadow, and the schemas are renamed in the same transaction: nothing is missed or applied
 * twice, and events the projector receives afterwards are found in the new inbox.
 */
export async function rebuildReadModels(deps: {
  write: pg.Pool;
  read: pg.Pool;
  chunkSize: number;
  progress: RebuildProgress;
  /** Reads the log as the live projector reads messages: the same shop currency (SHOP_CURRENCY). */
  reader: EventReader;
  /** How long to wait for open write transactions before giving up (default 30 s). */
  waitTimeoutMs?: number;
  /** Rebuild even though archived partitions were dropped (their events are left out). */
  allowPartialHistory?: boolean;
}) {
  const { write, read, chunkSize, progress, reader } = deps;
  const history = await historyCoverage(write);
  if (history.dropped.length > 0 && !deps.allowPartialHistory) throw new PartialHistoryError(history);
  const report: RebuildReport = { events: 0, applied: 0, skipped: [], history };
  const mark = await waitForHighWaterMark(write, {
    ...(deps.waitTimeoutMs === undefined ? {} : { timeoutMs: deps.waitTimeoutMs }),
    onBlocked: (lockers) => progress.waiting?.(lockers),
  });
  await createShadowSchema(read);
  progress.start(await countOutboxUpTo(write, mark));

  const apply = (client: pg.PoolClient, rows: OutboxRow[]) => applyToShadow(client, rows, report, reader);
  await replayOutbox(write, 0, mark, chunkSize, async (rows) => {
    await withTransaction(read, (client) => apply(client, rows));
    progress.advance(report.events);
  });
  progress.swapping?.();
  await withTransaction(read, async (client) => {
    await client.query(/* sql */ `LOCK TABLE ${LIVE_SCHEMA}.inbox IN EXCLUSIVE MODE`);
    // Everything after the mark that is visible now, with no upper bound and no wait. The lock
    // stops the projector (a batch writes the inbox first, so it queues behind us) and nothing
    // more reaches the old models. Every event it applied to them was committed on the write
    // side before Debezium could publish it, so it is visible to these reads, or at most the
    // mark and replayed above (refuseIfLiveIsAhead covers the one exception). An event whose
    // transaction is still open is in neither inbox: the projector applies it to the new models
    // once the swap commits. Waiting here would only hold the projector back.
    await replayOutbox(write, mark, null, chunkSize, (rows) => apply(client, rows));
    await refuseIfLiveIsAhead(client, mark);
    await carryOverDeadLetters(client);
    await carryOverShardPositions(client);
    await swapInShadow(client);
  });
  await dropRetired(read);
  progress.stop();
  return report;
}

/** Feeds the outbox after `after` (up to `upTo`, or all of it) to `apply` in chunks; returns the last position. */
async function replayOutbox(
  write: pg.Pool,
  after: number,
  upTo: number | null,
  chunkSize: number,
  apply: (rows: OutboxRow[]) => Promise<void>,
): Promise<number> {
  let position = after;
  for (;;) {
    const rows = await readOutbox(write, position, upTo, chunkSize);
    if (rows.length === 0) return position;
    await apply(rows);
    position = Number(rows[rows.length - 1]!.position);
  }
}

async function applyToShadow(client: pg.PoolClient, rows: OutboxRow[], report: RebuildReport, reader: EventReader) {
  const events: KnownEvent[] = [];
  const skipped: { id: string; position: string; reason: string }[] = [];
  for (const row of rows) {
    const decoded = decodeOutboxRow(row, reader);
    if (decoded.kind === 'event') events.push(decoded.event);
    else skipped.push({ id: row.id, position: row.position, reason: decoded.reason });
  }
  report.skipped.push(...skipped.map(({ id, reason }) => ({ id, reason })));
  await useSchema(client, SHADOW_SCHEMA);
  const outcome = await applyBatch(client, events);
  await noteSkipped(client, skipped);
  await useSchema(client, LIVE_SCHEMA);
  report.events += rows.length;
  report.applied += outcome.applied;
}

/**
 * The argument above has one weak spot: a commit is in the WAL (and can reach Debezium) a moment
 * before other sessions see it, and with synchronous replication that moment lasts until the
 * standby confirms. An event the projector applied in that moment is in the live inbox but was
 * not read above. Rather than swap in models without it, roll back and say so: nothing changes
 * and the rebuild can simply run again. Checked from the live inbox after the mark (indexed).
 */
async function refuseIfLiveIsAhead(client: pg.PoolClient, mark: number) {
  // This and the carry-overs compare the two schemas, so they name both: identifiers cannot be
  // parameters, and these are the schemas' constants (never data).
  const { rows } = await client.query<{ id: string }>(
    /* sql */ `SELECT l.event_id::text AS id FROM ${LIVE_SCHEMA}.inbox l
                WHERE l.position > $1::bigint
                  AND NOT EXISTS (SELECT 1 FROM ${SHADOW_SCHEMA}.inbox s WHERE s.event_id = l.event_id)
                  AND NOT EXISTS (SELECT 1 FROM ${SHADOW_SCHEMA}.dead_letters d WHERE d.event_id = l.event_id)
                LIMIT 5`,
    [mark],
  );
  if (rows.length > 0) {
    const ids = rows.map((r) => r.id).join(', ');
    throw new Error(`the live projector applied events the outbox did not show yet (${ids}); nothing swapped, run it again`);
  }
}

/**
 * How far each shard has applied (shard_progress, kept by the projector's batches) goes over too:
 * the reconciler tells an event still on its way from a lost one by it. The replay counted every
 * event in the no-shard row, so the shards' rows come over with a count of 0 (the total stays
 * the inbox's size). Under the inbox lock no batch moves them meanwhile.
 */
async function carryOverShardPositions(client: pg.PoolClient) {
  await client.query(
    /* sql */ `INSERT INTO ${SHADOW_SCHEMA}.shard_progress AS s (shard, applied, highest_applied)
               SELECT shard, 0, highest_applied FROM ${LIVE_SCHEMA}.shard_progress WHERE shard <> $1::int
               ON CONFLICT (shard) DO UPDATE SET highest_applied = greatest(s.highest_applied, EXCLUDED.highest_applied)`,
    [NO_SHARD],
  );
}

/** Dead letters the live projector set aside stay set aside, unless the rebuild applied them. */
async function carryOverDeadLetters(client: pg.PoolClient) {
  await client.query(/* sql */ `INSERT INTO ${SHADOW_SCHEMA}.dead_letters
               SELECT d.* FROM ${LIVE_SCHEMA}.dead_letters d
                WHERE NOT EXISTS (SELECT 1 FROM ${SHADOW_SCHEMA}.inbox p WHERE p.event_id = d.event_id)
               ON CONFLICT (event_id) DO NOTHING`);
}
