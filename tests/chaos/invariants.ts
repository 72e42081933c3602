import type pg from 'pg';
import type { StackConfig } from '../../infra/src/stack-config.ts';
import { inboxAgainstOutbox } from '../support/inbox-outbox.ts';
import { compareReadModels } from '../../projector/src/verify/compare-read-models.ts';
import { checkDeadLetters, deadLetterBaseline, type DeadLetterBaseline } from './dead-letter-check.ts';
import type { Settled } from './heal.ts';
import type { PoisonRecord } from './poison.ts';

export interface Check {
  invariant: string;
  ok: boolean;
  detail: string;
}

/** Slot lag left once drained: heartbeats and checkpoints may write a little WAL after the last event. */
const SLOT_LAG_LIMIT_BYTES = 64 * 1024;

/**
 * What is already off before the run, on a stack shared with other tests (raw test events in the
 * inbox, parked poison messages): the invariants then require that the run added nothing. On
 * the fresh stack of `npm run chaos` it is all zero.
 */
export interface Baseline {
  missing: Set<string>;
  unknown: Set<string>;
  differences: Map<string, number>;
  deadLetters: DeadLetterBaseline;
}

export async function takeBaseline(stack: StackConfig, write: pg.Pool, read: pg.Pool): Promise<Baseline> {
  const { missing, unknown } = await inboxAgainstOutbox(write, read);
  const models = await compareReadModels(write, read);
  return {
    missing: new Set(missing),
    unknown: new Set(unknown),
    differences: new Map(models.map((m) => [m.model, m.differences.length])),
    deadLetters: await deadLetterBaseline(stack, read),
  };
}

/** What the run left to check besides the databases. */
export interface RunOutcome {
  acknowledgedOrders: number[];
  poison: PoisonRecord[];
  settled: Settled;
}

/** The invariants, after the workload stopped and the pipeline drained. */
export async function checkInvariants(
  stack: StackConfig,
  write: pg.Pool,
  read: pg.Pool,
  { acknowledgedOrders, poison, settled }: RunOutcome,
  baseline: Baseline,
): Promise<Check[]> {
  const ids = await inboxAgainstOutbox(write, read);
  const missing = ids.missing.filter((id) => !baseline.missing.has(id));
  const unknown = ids.unknown.filter((id) => !baseline.unknown.has(id));
  const models = await compareReadModels(write, read);
  const differing = models.filter((m) => m.differences.length > (baseline.differences.get(m.model) ?? 0));
  const negative = await count(
    write,
    `SELECT (SELECT count(*) FROM products WHERE stock < 0)
          + (SELECT count(*) FROM outbox WHERE type = 'ProductUpdated' AND (payload ->> 'stock')::int < 0) AS n`,
  );
  const readNegative = await count(read, 'SELECT count(*)::int AS n FROM read.products WHERE stock < 0');
  const deadLetters = await checkDeadLetters(stack, read, poison, baseline.deadLetters);
  const slot = await slotLagSettled(stack, write);
  const slotLag = slot.rows[0]?.lag ?? Number.POSITIVE_INFINITY;
  const storedOrders = await count(write, 'SELECT count(*)::int AS n FROM orders WHERE id = ANY($1::int[])', [
    acknowledgedOrders,
  ]);
  const projectedOrders = await count(read, 'SELECT count(*)::int AS n FROM read.orders WHERE order_id = ANY($1::int[])', [
    acknowledgedOrders,
  ]);
  return [
    {
      invariant: 'every acknowledged order stored and projected',
      ok: storedOrders === acknowledgedOrders.length && projectedOrders === acknowledgedOrders.length,
      detail: `${acknowledgedOrders.length} answered 201: ${storedOrders} in the write database, ${projectedOrders} in the read model`,
    },
    {
      invariant: 'every outbox event projected exactly once',
      ok: missing.length === 0 && unknown.length === 0,
      detail: `outbox ${ids.outbox}, inbox ${ids.inbox} (a primary key: no event twice), missing ${missing.length}, unknown ${unknown.length}`,
    },
    {
      invariant: 'read models equal the write side recomputed',
      ok: differing.length === 0,
      detail: `${models.length} models compared${differing.length ? `; differing: ${differing.map((m) => `${m.model} (${m.differences.length})`).join(', ')}` : ''}`,
    },
    {
      invariant: 'stock never negative',
      ok: negative === 0 && readNegative === 0,
      detail: `negative rows or events: write ${negative}, read ${readNegative}`,
    },
    ...deadLetters,
    {
      invariant: 'reconciler: nothing missing',
      ok: settled.missing === 0,
      detail: `sync-status missing ${settled.missing ?? 'unreadable'} after the drain${settled.healRequested ? ` (${settled.healRequested} event(s) asked for on demand, as npm run reconcile)` : ''}`,
    },
    {
      invariant: 'slot lag back to zero',
      ok: slotLag <= SLOT_LAG_LIMIT_BYTES && slot.rows[0]?.active === true,
      detail: `${slotLag} bytes behind, slot ${slot.rows[0]?.active ? 'active' : 'inactive'}`,
    },
  ];
}

/** The slot's lag once Debezium has confirmed what was there (a heartbeat interval or two). */
async function slotLagSettled(stack: StackConfig, write: pg.Pool) {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const slot = await write.query<{ lag: number | null; active: boolean | null }>(
      `SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), confirmed_flush_lsn)::float8 AS lag, active
         FROM pg_replication_slots WHERE slot_name = $1`,
      [stack.DEBEZIUM_SLOT],
    );
    const lag = slot.rows[0]?.lag;
    if ((lag !== null && lag !== undefined && lag <= SLOT_LAG_LIMIT_BYTES) || Date.now() > deadline) return slot;
    await new Promise((r) => setTimeout(r, 500));
  }
}

async function count(db: pg.Pool, sql: string, parameters: unknown[] = []): Promise<number> {
  return Number((await db.query<{ n: number }>(sql, parameters)).rows[0]!.n);
}
