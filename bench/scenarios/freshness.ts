import type { BenchContext } from '../context.ts';
import { orderBody, postJson, waitUntilDrained } from '../context.ts';
import { openLoop } from '../load.ts';
import { percentiles, type Percentiles } from '../report/stats.ts';

export interface FreshnessRun {
  system: 'cdc' | 'polling-relay' | 'floor';
  rate: number;
  seconds: number;
  orders: number;
  failed: number;
  achievedRate: number;
  latencyMs: Percentiles;
}

export type Progress = (label: string, done: number, total: number) => void;

/**
 * Orders at a fixed open-loop rate; for each, the time from its outbox insert (inside the
 * order's transaction, just before commit) to the projector's transaction that applied it.
 */
export async function runOrdersAtRate(ctx: BenchContext, rate: number, seconds: number, progress: Progress, label: string) {
  const started = performance.now();
  const load = await openLoop(
    rate,
    seconds,
    async (i) => (await postJson(`${ctx.commandApi}/api/orders`, orderBody(ctx, i)))?.orderId as number | undefined,
    (sent) => progress(`${label}: sending`, sent, Math.round(rate * seconds)),
  );
  const achievedRate = load.sent / ((performance.now() - started) / 1000);
  await waitUntilDrained(ctx, 120_000, (left) => progress(`${label}: draining`, Math.max(0, load.sent - left), load.sent));
  const { rows: events } = await ctx.write.query<{ id: string; occurred_at: Date }>(
    `SELECT id, occurred_at FROM outbox WHERE type = 'OrderPlaced' AND aggregateid = ANY($1::text[])`,
    [load.ids.map(String)],
  );
  const { rows: applied } = await ctx.read.query<{ event_id: string; processed_at: Date }>(
    `SELECT event_id, processed_at FROM processed_events WHERE event_id = ANY($1::uuid[])`,
    [events.map((e) => e.id)],
  );
  const appliedAt = new Map(applied.map((a) => [a.event_id, a.processed_at.getTime()]));
  const latencies = events.flatMap((e) => {
    const at = appliedAt.get(e.id);
    return at === undefined ? [] : [at - e.occurred_at.getTime()];
  });
  return { load, achievedRate, events, latencies };
}

export function freshnessRun(
  system: FreshnessRun['system'],
  rate: number,
  seconds: number,
  orders: number,
  failed: number,
  achievedRate: number,
  latencies: number[],
): FreshnessRun {
  return { system, rate, seconds, orders, failed, achievedRate, latencyMs: percentiles(latencies) };
}
