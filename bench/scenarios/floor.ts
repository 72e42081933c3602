import { fileURLToPath } from 'node:url';
import { stackShardCount } from '../../infra/src/native/rabbitmq.ts';
import { DEBEZIUM } from '../../infra/src/native/debezium-server.ts';
import { runningPid } from '../../infra/src/native/processes.ts';
import type { BenchContext } from '../context.ts';
import { waitUntilDrained } from '../context.ts';
import { startHelper } from '../helper-process.ts';
import { runOrdersAtRate, windowOf, type FreshnessWindow, type Progress } from './freshness.ts';

/** The floors' own slots; their walsenders are the floors' cost, not the measured system's. */
export const FLOOR_SLOTS = { receipt: 'bench_floor_receipt', apply: 'bench_floor_apply' } as const;
const RECEIPT_CLIENT = fileURLToPath(new URL('./floor-client.ts', import.meta.url));
const APPLY_CLIENT = fileURLToPath(new URL('./floor-apply-client.ts', import.meta.url));

/** What the floors saw of one window of orders. */
export interface FloorWindows {
  /** A bare pgoutput client: commit to the moment it received the row. */
  receipt: FreshnessWindow;
  /** A bare slot client applying each transaction to the read database in one transaction (8 at once): commit to that commit. */
  apply: FreshnessWindow;
}

/**
 * The floors, in a window of their own: Debezium is paused (SIGSTOP) so nothing else reads the
 * WAL or applies events meanwhile, and orders are sent at `rate` while two bare logical-replication
 * clients, each on a slot of its own and in a process of its own, read the same publication: one
 * records when each OrderPlaced row arrives (receipt), the other applies every transaction it
 * receives to a table in the read database in one transaction, up to as many at once as the
 * projector has shards (apply): the physical limit of what the pipeline does. Afterwards Debezium continues (SIGCONT) and the pipeline drains.
 */
export async function floorWindows(
  ctx: BenchContext,
  rate: number,
  seconds: number,
  progress: Progress,
  label: string,
): Promise<FloorWindows> {
  const debezium = runningPid(ctx.dirs, DEBEZIUM);
  if (debezium === undefined) throw new Error('Debezium Server is not running');
  // The apply floor's table: a row per event it applied.
  await ctx.read.query(`CREATE TABLE IF NOT EXISTS public.bench_floor_applied (event_id uuid PRIMARY KEY)`);
  await ctx.read.query(`TRUNCATE public.bench_floor_applied`);
  for (const slot of Object.values(FLOOR_SLOTS)) {
    await dropSlot(ctx, slot);
    await ctx.write.query(`SELECT pg_create_logical_replication_slot($1, 'pgoutput')`, [slot]);
  }
  const { PG_HOST: host, PG_PORT: port, PG_USER: user, PG_PASSWORD: password } = ctx.stack;
  const connection = (database: string, application_name: string) => ({ host, port, user, password, database, application_name });
  const [receipt, apply] = await Promise.all([
    startHelper<[string, number][]>(
      RECEIPT_CLIENT,
      {
        connection: connection(ctx.stack.WRITE_DB_NAME, 'bench-floor-receipt'),
        publication: ctx.stack.DEBEZIUM_PUBLICATION,
        slot: FLOOR_SLOTS.receipt,
      },
      'receipt floor',
    ),
    startHelper<{ transactions: number }>(
      APPLY_CLIENT,
      {
        connection: connection(ctx.stack.WRITE_DB_NAME, 'bench-floor-apply'),
        read: connection(ctx.stack.READ_DB_NAME, 'bench-floor-apply'),
        publication: ctx.stack.DEBEZIUM_PUBLICATION,
        slot: FLOOR_SLOTS.apply,
        connections: await stackShardCount(ctx.stack),
      },
      'apply floor',
    ),
  ]);
  let arrivals: Map<string, number>;
  let r: Awaited<ReturnType<typeof runOrdersAtRate>>;
  process.kill(debezium, 'SIGSTOP');
  try {
    r = await runOrdersAtRate(ctx, rate, seconds, progress, label, { tap: false, drain: false });
    // Until the apply floor has applied every event the window wrote (the receipt floor, which
    // reads the same WAL and writes nothing, is done by then), then a moment for stragglers.
    const deadline = Date.now() + 60_000;
    for (;;) {
      const { rows } = await ctx.read.query<{ n: number }>(`SELECT count(*)::int AS n FROM public.bench_floor_applied`);
      progress(`${label}: floors catching up`, Math.min(rows[0]!.n, r.outboxEvents), r.outboxEvents);
      if (rows[0]!.n >= r.outboxEvents || Date.now() > deadline) break;
      await new Promise((done) => setTimeout(done, 100));
    }
    await new Promise((done) => setTimeout(done, 300));
    arrivals = new Map(await receipt.stop());
    await apply.stop();
  } finally {
    process.kill(debezium, 'SIGCONT');
  }
  await new Promise((done) => setTimeout(done, 300));
  for (const slot of Object.values(FLOOR_SLOTS)) await dropSlot(ctx, slot, true);
  const { rows } = await ctx.read.query<{ event_id: string; committed: Date }>(
    `SELECT event_id::text, pg_xact_commit_timestamp(xmin) AS committed FROM public.bench_floor_applied WHERE event_id = ANY($1::uuid[])`,
    [r.events.map((e) => e.id)],
  );
  const applied = new Map(rows.map((a) => [a.event_id, a.committed.getTime()]));
  const since = (at: Map<string, number>) =>
    r.events.flatMap((e) => {
      const t = at.get(e.id);
      return t === undefined ? [] : [t - e.committedAt];
    });
  await waitUntilDrained(ctx, 300_000, (left) => progress(`${label}: pipeline catching up`, 0, Math.max(1, left)));
  return { receipt: windowOf(r, since(arrivals)), apply: windowOf(r, since(applied)) };
}

async function dropSlot(ctx: BenchContext, slot: string, onlyInactive = false) {
  await ctx.write.query(
    `SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = $1 ${onlyInactive ? 'AND NOT active' : ''}`,
    [slot],
  );
}
