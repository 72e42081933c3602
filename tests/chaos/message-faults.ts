import { setTimeout as sleep } from 'node:timers/promises';
import { deadLetterExchangeOf, declareTopology } from '@shop/shared/messaging';
import { stackShardCount } from '../../infra/src/native/rabbitmq.ts';
import { openPublisher, pollUntil, shuffle, topologyNames, withConnection, type FaultContext } from './fault-context.ts';
import { POISON_KINDS, poisonMessage, recordOf, type PoisonKind, type PoisonRecord } from './poison.ts';

/** Kinds the dead-letter faults publish: parked at the first delivery, and noted in read.dead_letters. */
const QUICK_POISON: PoisonKind[] = ['not-json', 'unknown-type', 'schema-v2'];

/**
 * One poison message of every kind, in a seeded order, each to a random shard, with a few product
 * updates through the command API between them (the workload keeps running besides).
 */
export async function poisonBurst(ctx: FaultContext): Promise<string> {
  const kinds = shuffle([...POISON_KINDS], ctx.rnd);
  const publisher = await openPublisher(ctx.stack);
  const shardCount = await stackShardCount(ctx.stack);
  let updates = 0;
  let updated = 0;
  try {
    for (const kind of kinds) {
      const message = poisonMessage(kind, ctx.rnd, shardCount);
      await publisher.publish(message);
      ctx.poison.push(recordOf(message));
      for (let n = ctx.rnd.int(1, 3); n > 0; n--, updates++) updated += (await updateProduct(ctx)) ? 1 : 0;
    }
  } finally {
    await publisher.close();
  }
  return `${kinds.length} poison messages, ${updates} product updates between them (${updated} answered 200)`;
}

async function updateProduct(ctx: FaultContext): Promise<boolean> {
  const productId = ctx.products[ctx.rnd.int(0, ctx.products.length - 1)]!;
  const change = ctx.rnd.next() < 0.5 ? { stock: ctx.rnd.int(20, 200) } : { price: ctx.rnd.int(100, 5000) / 100 };
  try {
    const res = await fetch(`${ctx.api}/api/products/${productId}`, {
      method: 'PATCH',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(change),
      signal: AbortSignal.timeout(5_000),
    });
    await res.body?.cancel();
    return res.status === 200;
  } catch {
    return false;
  }
}

/** Publishes poison messages of seeded quick kinds, recording each. */
async function publishPoison(ctx: FaultContext, count: number): Promise<PoisonRecord[]> {
  const publisher = await openPublisher(ctx.stack);
  const shardCount = await stackShardCount(ctx.stack);
  try {
    const records: PoisonRecord[] = [];
    for (let i = 0; i < count; i++) {
      const message = poisonMessage(QUICK_POISON[ctx.rnd.int(0, QUICK_POISON.length - 1)]!, ctx.rnd, shardCount);
      await publisher.publish(message);
      records.push(recordOf(message));
    }
    ctx.poison.push(...records);
    return records;
  } finally {
    await publisher.close();
  }
}

/**
 * For a few seconds, terminates the projector's read-database connections again and again
 * (its pool is named `projector`), so batches fail between apply, commit and ack.
 */
export async function readDatabaseFailure(ctx: FaultContext): Promise<string> {
  const ms = ctx.rnd.int(3_000, 6_000);
  const until = Date.now() + ms;
  let terminated = 0;
  let rounds = 0;
  while (Date.now() < until) {
    const { rows } = await ctx.read.query<{
      n: number;
    }>(/* sql */ `SELECT count(*) FILTER (WHERE pg_terminate_backend(pid))::int AS n FROM pg_stat_activity
                  WHERE datname = current_database() AND application_name LIKE 'projector%' AND pid <> pg_backend_pid()`);
    terminated += rows[0]!.n;
    rounds++;
    await sleep(ctx.rnd.int(50, 400));
  }
  return `${terminated} projector connections terminated in ${rounds} rounds over ${ms / 1000} s`;
}

/** Parking fails for a few seconds: its bookkeeping in the read database, or (seeded choice) its exchange. */
export async function deadLetterPublishFailure(ctx: FaultContext): Promise<string> {
  return ctx.rnd.next() < 0.5 ? bookkeepingFails(ctx) : deadLetterExchangeGone(ctx);
}

/** read.dead_letters refuses every row for a few seconds while poison messages arrive. */
async function bookkeepingFails(ctx: FaultContext): Promise<string> {
  const ms = ctx.rnd.int(3_000, 5_000);
  await ctx.read.query(/* sql */ `ALTER TABLE read.dead_letters ADD CONSTRAINT chaos_no_parking CHECK (false) NOT VALID`);
  let records: PoisonRecord[] = [];
  try {
    records = await publishPoison(ctx, 2);
    await sleep(ms);
  } finally {
    await ctx.read.query(/* sql */ `ALTER TABLE read.dead_letters DROP CONSTRAINT IF EXISTS chaos_no_parking`);
  }
  const ids = records.map((r) => r.id!);
  const parked = await pollUntil(async () => {
    const { rows } = await ctx.read.query<{ n: number }>(
      /* sql */ `SELECT count(*)::int AS n FROM read.dead_letters WHERE event_id = ANY($1::uuid[])`,
      [ids],
    );
    return rows[0]!.n === ids.length;
  }, 30_000);
  return `bookkeeping refused for ${ms / 1000} s; ${records.map((r) => r.kind).join(', ')} ${parked ? 'parked after it' : 'NOT noted within 30 s'}`;
}

/**
 * The dead-letter exchange deleted for a few seconds, poison messages published meanwhile: the
 * projector's publish to it fails, it reconnects and declares its topology again. Checked back
 * before moving on; declared here (same declaration) if the projector has not done it.
 */
async function deadLetterExchangeGone(ctx: FaultContext): Promise<string> {
  const names = topologyNames(ctx.stack);
  const dlx = deadLetterExchangeOf(names);
  const gapMs = ctx.rnd.int(1_000, 3_000);
  await withConnection(ctx.stack, async (connection) => (await connection.createChannel()).deleteExchange(dlx));
  const first = await publishPoison(ctx, 1);
  await sleep(gapMs);
  const second = await publishPoison(ctx, 1);
  const exists = () =>
    withConnection(ctx.stack, async (connection) => {
      await (await connection.createChannel()).checkExchange(dlx);
      return true;
    });
  const redeclared = await pollUntil(exists, 20_000);
  if (!redeclared)
    await withConnection(ctx.stack, async (connection) =>
      declareTopology(await connection.createChannel(), names, await stackShardCount(ctx.stack)),
    );
  if (!(await pollUntil(exists, 5_000))) throw new Error(`${dlx} is still missing after the fault`);
  const kinds = [...first, ...second].map((r) => r.kind).join(', ');
  return `${dlx} deleted; ${kinds} published ${gapMs / 1000} s apart; ${redeclared ? 're-declared by the projector' : 'declared again by chaos (the projector did not)'}`;
}
