import { randomUUID } from 'node:crypto';
import { afterAll, describe, expect, inject, it, onTestFailed } from 'vitest';
import type pg from 'pg';
import { describeDeadLetter, visitDeadLetters } from '@shop/shared/messaging';
import { fromCents } from '@shop/shared/money';
import { rebuildReadModels } from '../../projector/src/rebuild/rebuild.ts';
import { compareReadModels } from '../../projector/src/verify/compare-read-models.ts';
import { startRetentionRounds } from '../chaos/retention-rounds.ts';
import { eventually, projectorDatabases, stackDatabases, waitUntilProjected } from '../support/clients.ts';
import { publishRaw, withBroker } from '../support/publish.ts';
import { random } from '../support/random.ts';
import { runMixedWorkload } from '../support/workload.ts';

const stack = inject('stack');
const silent = () => undefined;
/** VERSIONS_SEED=<n> replays a failed run's history and choice of versions. */
const seed = Number(process.env.VERSIONS_SEED ?? 1 + Math.floor(Math.random() * 999_999));

/**
 * OrderPlaced is written as v2 (cents and a currency) since the command API's upgrade; the log
 * still holds v1 events an older command API wrote, in the live outbox and in the archive. The
 * decoder upcasts them (shared/src/events/upcast.ts): a rebuild of a log of mixed versions must
 * give exactly the read models of the same history written all in v2.
 */
describe('versioned events', () => {
  const { write, read } = stackDatabases(stack);
  const asProjector = projectorDatabases(stack);
  const foreignId = randomUUID();

  afterAll(async () => {
    // Leave the dead-letter queue as we found it: our parked message goes.
    await withBroker(stack, (connection) =>
      visitDeadLetters(connection, { exchange: stack.EVENTS_EXCHANGE, queue: stack.PROJECTOR_QUEUE }, async (msg, channel) => {
        if (describeDeadLetter(msg).eventId !== foreignId) return 'keep';
        channel.ack(msg);
        return 'settled';
      }),
    );
  });

  it('a rebuild of a seeded history with OrderPlaced as v1 or v2, part of it archived, equals the all-v2 one', async () => {
    onTestFailed(() => console.error(`event-versions: history seed ${seed} (VERSIONS_SEED=${seed} replays it)`));
    const since = await highestPosition(write);

    // The first part of the history, then retention until some of it is in the archive (the test
    // stack's partitions are a minute long: at most about two minutes), then the second part.
    await runMixedWorkload(stack, seed, 30);
    const firstPart = await highestPosition(write);
    await waitUntilProjected(stack, 60_000);
    const rounds = startRetentionRounds(asProjector, 3000, silent);
    try {
      await eventually(async () => ((await archivedAbove(write, since)) > 0 ? true : undefined), 180_000);
    } finally {
      expect((await rounds.stop()).failedRounds).toBe(0);
    }
    await runMixedWorkload(stack, seed + 1, 30);
    await waitUntilProjected(stack, 60_000);

    // Live: the command API wrote every order of the history as v2, and Debezium and RabbitMQ
    // carried them to the read models, which match the write side.
    const placed = await placedRows(write, since);
    expect(placed.length).toBeGreaterThanOrEqual(40);
    expect(new Set(placed.map((r) => r.schema_version))).toEqual(new Set([2]));
    expect(placed.some((r) => r.archived) && placed.some((r) => !r.archived)).toBe(true);
    expect(placed.some((r) => Number(r.position) <= firstPart) && placed.some((r) => Number(r.position) > firstPart)).toBe(true);
    await expectReadModelsEqualWriteSide(write, read);
    const liveOrder = placed[placed.length - 1]!;
    const { rows: projected } = await read.query<{ total: string }>(
      'SELECT total::text FROM read.orders WHERE order_id = $1::int',
      [liveOrder.payload.orderId],
    );
    expect(projected).toEqual([{ total: fromCents(liveOrder.payload.totalMinor as number).toFixed(2) }]);

    // The same history all in v2, rebuilt.
    const allV2 = await rebuildAndDump(asProjector, read);

    // About half the placements as v1, as an older command API wrote them (decimal amounts, no
    // currency: the shop's), chosen by the seed, where they are: archived or live.
    const rnd = random(seed);
    const asV1 = placed.filter(() => rnd.next() < 0.5);
    expect(asV1.some((r) => r.archived) || asV1.some((r) => !r.archived)).toBe(true);
    for (const row of asV1) await rewriteAsV1(write, row);
    const versions = await placedRows(write, since);
    expect(versions.filter((r) => r.schema_version === 1).length).toBe(asV1.length);
    expect(versions.some((r) => r.schema_version === 1) && versions.some((r) => r.schema_version === 2)).toBe(true);

    const mixed = await rebuildAndDump(asProjector, read);
    expect(mixed.skipped.filter((s) => placed.some((p) => p.id === s.id))).toEqual([]);
    expect(mixed.dump).toEqual(allV2.dump);
    await expectReadModelsEqualWriteSide(write, read);
  }, 300_000);

  it('parks a v2 order in another currency than the read side adds up, with the reason, through RabbitMQ', async () => {
    const payload = {
      orderId: 2_000_000_001,
      customerId: 1,
      placedAt: new Date().toISOString(),
      currency: 'EUR',
      totalMinor: 1000,
      items: [{ productId: 2_000_000_001, category: 'foreign', quantity: 1, unitPriceMinor: 1000, lineTotalMinor: 1000 }],
    };
    await publishRaw(stack, [
      { id: foreignId, type: 'OrderPlaced', aggregateType: 'order', aggregateId: '2000000001', payload, schemaVersion: 2 },
    ]);
    const parked = await eventually(async () => {
      const { rows } = await read.query<{ reason: string }>('SELECT reason FROM read.dead_letters WHERE event_id = $1::uuid', [
        foreignId,
      ]);
      return rows[0];
    }, 20_000);
    expect(parked.reason).toBe(
      'unsupported: OrderPlaced is in EUR, and this read side adds up amounts in USD (SHOP_CURRENCY) without converting',
    );
    const { rows } = await read.query('SELECT 1 FROM read.orders WHERE order_id = $1::int', [payload.orderId]);
    expect(rows).toEqual([]);
  });
});

interface PlacedRow {
  id: string;
  position: string;
  schema_version: number;
  archived: boolean;
  payload: Record<string, unknown> & { items: Record<string, unknown>[] };
}

async function highestPosition(write: pg.Pool): Promise<number> {
  const { rows } = await write.query<{ max: string | null }>('SELECT max(position)::text AS max FROM outbox_history');
  return Number(rows[0]!.max ?? 0);
}

async function archivedAbove(write: pg.Pool, position: number): Promise<number> {
  const { rows } = await write.query<{ n: number }>(
    'SELECT count(*)::int AS n FROM outbox_archive.events WHERE position > $1::bigint',
    [position],
  );
  return rows[0]!.n;
}

/** The history's OrderPlaced rows, live or archived, in log order. */
async function placedRows(write: pg.Pool, after: number): Promise<PlacedRow[]> {
  const { rows } = await write.query<PlacedRow>(
    `SELECT * FROM (
       SELECT id::text, position::text, schema_version, false AS archived, payload FROM outbox
        WHERE type = 'OrderPlaced' AND position > $1::bigint
       UNION ALL
       SELECT id::text, position::text, schema_version, true, payload FROM outbox_archive.events
        WHERE type = 'OrderPlaced' AND position > $1::bigint
     ) AS h ORDER BY h.position::bigint`,
    [after],
  );
  return rows;
}

/** The v1 form of a v2 OrderPlaced, written over it where it is (the archive or the live outbox). */
async function rewriteAsV1(write: pg.Pool, row: PlacedRow) {
  const { currency: _currency, totalMinor, items, ...rest } = row.payload;
  const v1 = {
    ...rest,
    total: fromCents(totalMinor as number),
    items: items.map(({ unitPriceMinor, lineTotalMinor, ...line }) => ({
      ...line,
      unitPrice: fromCents(unitPriceMinor as number),
      lineTotal: fromCents(lineTotalMinor as number),
    })),
  };
  const table = row.archived ? 'outbox_archive.events' : 'outbox';
  const { rowCount } = await write.query(`UPDATE ${table} SET payload = $2::jsonb, schema_version = 1 WHERE id = $1::uuid`, [
    row.id,
    JSON.stringify(v1),
  ]);
  expect(rowCount).toBe(1);
}

/** Rebuilds from the whole log, then every read model table and the inbox (without apply times) as text. */
async function rebuildAndDump(asProjector: { write: pg.Pool; read: pg.Pool }, read: pg.Pool) {
  const report = await rebuildReadModels({
    ...asProjector,
    reader: { shopCurrency: stack.SHOP_CURRENCY },
    chunkSize: 500,
    progress: { start: silent, advance: silent, stop: silent },
  });
  const dump: Record<string, string[]> = {};
  for (const table of [
    'products',
    'orders',
    'order_items',
    'product_sales',
    'category_revenue',
    'customer_value',
    'hourly_sales',
  ]) {
    const { rows } = await read.query<{ row: string }>(`SELECT t::text AS row FROM read.${table} t ORDER BY 1`);
    dump[table] = rows.map((r) => r.row);
  }
  const { rows } = await read.query<{ row: string }>(
    `SELECT concat_ws(' ', event_id, event_type, aggregate_type, aggregate_id, occurred_at) AS row FROM read.inbox ORDER BY 1`,
  );
  dump.inbox = rows.map((r) => r.row);
  return { dump, skipped: report.skipped };
}

async function expectReadModelsEqualWriteSide(write: pg.Pool, read: pg.Pool) {
  for (const model of await compareReadModels(write, read)) expect(model, model.model).toMatchObject({ differences: [] });
}
