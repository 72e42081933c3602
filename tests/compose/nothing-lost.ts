import assert from 'node:assert/strict';
import type pg from 'pg';
import { compareReadModels } from '../../projector/src/verify/compare-read-models.ts';
import { eventually } from '../support/clients.ts';
import { inboxAgainstOutbox } from '../support/inbox-outbox.ts';

export interface Databases {
  write: pg.Pool;
  read: pg.Pool;
}

const DRAIN_TIMEOUT_MS = 90_000;

/**
 * After the crashes: every outbox event reaches the inbox (waited for), then every order the
 * command API acknowledged is stored and projected, no event is in the inbox twice or unknown,
 * the read models equal the write side recomputed, and sync-status reports nothing missing; the
 * notifier (table mode: no webhook in the compose test) has recorded every order event.
 */
export async function checkNothingLost(
  dbs: Databases,
  api: { query: string },
  acknowledgedOrders: number[],
  log: (line: string) => void,
): Promise<void> {
  const t0 = Date.now();
  const ids = await eventually(async () => {
    const found = await inboxAgainstOutbox(dbs.write, dbs.read);
    return found.missing.length === 0 ? found : undefined;
  }, DRAIN_TIMEOUT_MS).catch(async () => inboxAgainstOutbox(dbs.write, dbs.read));
  log(
    `  outbox ${ids.outbox}, inbox ${ids.inbox}, missing ${ids.missing.length}, unknown ${ids.unknown.length} (drained after ${Date.now() - t0} ms)`,
  );
  assert.equal(ids.missing.length, 0, `events never projected: ${ids.missing.slice(0, 5).join(', ')}`);
  assert.equal(ids.unknown.length, 0, `events projected but not in the outbox: ${ids.unknown.slice(0, 5).join(', ')}`);
  assert.equal(ids.inbox, ids.outbox);

  const stored = await count(dbs.write, 'SELECT count(*)::int AS n FROM orders WHERE id = ANY($1::int[])', acknowledgedOrders);
  const projected = await count(
    dbs.read,
    'SELECT count(*)::int AS n FROM read.orders WHERE order_id = ANY($1::int[])',
    acknowledgedOrders,
  );
  log(`  ${acknowledgedOrders.length} orders answered 201: ${stored} stored, ${projected} projected`);
  assert.equal(stored, acknowledgedOrders.length);
  assert.equal(projected, acknowledgedOrders.length);

  const models = await compareReadModels(dbs.write, dbs.read);
  const differing = models.filter((m) => m.differences.length > 0);
  log(`  ${models.length} read models compared with the write side recomputed: ${differing.length} differ`);
  assert.deepEqual(
    differing.map((m) => `${m.model}: ${m.differences.length}`),
    [],
  );

  const t1 = Date.now();
  const notified = await eventually(async () => {
    const found = await notificationsAgainstOutbox(dbs);
    return found.missing.length === 0 ? found : undefined;
  }, DRAIN_TIMEOUT_MS).catch(async () => notificationsAgainstOutbox(dbs));
  log(
    `  notifier: ${notified.events} OrderPlaced/OrderCancelled events, ${notified.events - notified.missing.length} recorded, missing ${notified.missing.length} (drained after ${Date.now() - t1} ms)`,
  );
  assert.equal(notified.missing.length, 0, `events never notified: ${notified.missing.slice(0, 5).join(', ')}`);

  const sync = await eventually(async () => {
    const status = (await (await fetch(`${api.query}/api/analytics/sync-status`)).json()) as {
      eventsBehind: number;
      missing: number;
      notifier: { eventsBehind: number | null; missing: number | null };
    };
    return status.notifier.eventsBehind === 0 ? status : undefined;
  }, 30_000);
  log(
    `  sync-status: eventsBehind ${sync.eventsBehind}, missing ${sync.missing}; notifier eventsBehind ${sync.notifier.eventsBehind}, missing ${sync.notifier.missing}`,
  );
  assert.equal(sync.eventsBehind, 0);
  assert.equal(sync.missing, 0);
  assert.equal(sync.notifier.missing, 0);
}

/** Every order event of the log against the notifier's inbox: recorded (table mode) or delivered. */
async function notificationsAgainstOutbox(dbs: Databases) {
  const events = (
    await dbs.write.query<{ id: string }>(
      `SELECT id::text AS id FROM outbox_history WHERE type = ANY('{OrderPlaced,OrderCancelled}'::text[])`,
    )
  ).rows.map((r) => r.id);
  const settled = new Set(
    (
      await dbs.read.query<{ id: string }>(
        `SELECT event_id::text AS id FROM notifier.inbox WHERE state IN ('recorded', 'delivered') AND event_id = ANY($1::uuid[])`,
        [events],
      )
    ).rows.map((r) => r.id),
  );
  return { events: events.length, missing: events.filter((id) => !settled.has(id)) };
}

async function count(db: pg.Pool, sql: string, ids: number[]): Promise<number> {
  return Number((await db.query<{ n: number }>(sql, [ids])).rows[0]!.n);
}
