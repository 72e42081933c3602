import type { BenchContext } from '../context.ts';
import { orderBody, postJson, waitUntilDrained } from '../context.ts';
import { openLoop } from '../load.ts';
import { percentiles, type Percentiles } from '../report/stats.ts';
import { commitOrder, firstArrivals, type CommitOrder } from './commit-order.ts';
import { startTap } from './tap.ts';
import { startCpuAccounting } from '../cpu-accounting.ts';
import type { WriteCost } from './write-cost.ts';

/** Every system a freshness window measures: ours, the two floors, and the relays users pick instead. */
export type System = 'cdc' | 'floor-receipt' | 'floor-apply' | 'skip-locked-relay' | 'listen-notify-relay' | 'polling-relay';

/** One repetition of one system at one rate. */
export interface FreshnessWindow {
  /** Requests sent (the open loop sends all of rate × seconds, whatever the answers). */
  sent: number;
  /** Requests answered with an order id. */
  ok: number;
  /** Requests that failed (an error status or no answer). */
  failed: number;
  /** The send window: from the first request's start to the last one's, plus one interval, in seconds. */
  sendSeconds?: number;
  /** The load window: from the first request's start to the last answer, in seconds. */
  loadSeconds: number;
  /** Successful orders per second of the send window. */
  achievedRate: number;
  /** Each request's time to its answer (the command API's side), ms. */
  requestMs?: Percentiles;
  /**
   * The successful orders' `OrderPlaced` events, from the write's commit to the projector's commit
   * (receipt floor: to the client's receipt; apply floor: to the commit of its apply
   * transaction); `count` says how many of the `ok` orders it covers.
   */
  latencyMs: Percentiles;
  /** Write's commit to the event's arrival at a consumer of the exchange (not for the floors). */
  brokerMs?: Percentiles;
  /** Commit order against position order and against the order of arrival at the broker. */
  order?: CommitOrder;
  /** What the write database paid in the measured window (not for the floors). */
  writeCost?: WriteCost;
  /** Orders committed but not yet applied, every 100 ms from the window's first commit: [seconds, orders]. */
  behind?: [number, number][];
  /** The bench process's own CPU over the load window (process.cpuUsage), in cores. */
  loadGeneratorCores: number;
}

/** One system at one rate: its repetitions, each a window of `seconds`. */
export interface FreshnessRun {
  system: System;
  rate: number;
  seconds: number;
  windows: FreshnessWindow[];
}

export type Progress = (label: string, done: number, total: number) => void;

/** How a window runs, and what is sent beside the open loop (bench/scenarios/long-transactions.ts). */
export interface WindowOptions {
  /** The broker tap (commit to broker, arrival order); default on. */
  tap?: boolean;
  /** Wait until the projector has applied every event; default on (off: the floors' windows, Debezium paused). */
  drain?: boolean;
  /** Count the CPU of every process from the load's start until drained (cpu-accounting.ts). */
  cpu?: boolean;
  /** Called every 20 ms of the load with the time elapsed: sends what is due. */
  alongside?: (elapsedMs: number) => void;
  /** After the load: the ids of the orders sent alongside it. */
  lateIds?: () => Promise<number[]>;
  /** Stop waiting for the drain once nothing has been applied for this long (a system that loses events). */
  settleMs?: number;
}

/** One OrderPlaced event of a window: its position and when its transaction committed. */
export interface PlacedEvent {
  id: string;
  orderId: string;
  position: number;
  committedAt: number;
}

/**
 * Orders at a fixed open-loop rate. For each order's `OrderPlaced` event: from the commit of its
 * write (the order row's commit timestamp; the cluster runs with track_commit_timestamp) to the
 * commit of the projector's transaction that applied it, and to its arrival at a tap queue on the
 * exchange; and the order events arrived in against their commit order.
 */
export async function runOrdersAtRate(
  ctx: BenchContext,
  rate: number,
  seconds: number,
  progress: Progress,
  label: string,
  options: WindowOptions = {},
) {
  const startPosition = await outboxPosition(ctx);
  const tap = options.tap === false ? undefined : await startTap(ctx);
  const cpu = options.cpu ? await startCpuAccounting(ctx.read, ctx.dirs) : undefined;
  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  const alongside = options.alongside;
  const ticker = alongside ? setInterval(() => alongside(performance.now() - started), 20) : undefined;
  const load = await openLoop(
    rate,
    seconds,
    async (i) => (await postJson(`${ctx.commandApi}/api/orders`, orderBody(ctx, i)))?.orderId as number | undefined,
    (sent) => progress(`${label}: sending`, sent, Math.round(rate * seconds)),
  );
  const loadSeconds = (performance.now() - started) / 1000;
  const used = process.cpuUsage(cpuBefore);
  clearInterval(ticker);
  const lateIds = (await options.lateIds?.()) ?? [];
  // Every event the window wrote (orders and the stock updates they carry), for costs per event.
  const { rows: produced } = await ctx.write.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM outbox WHERE position > $1::bigint`,
    [startPosition],
  );
  const drain = options.drain !== false;
  if (drain) {
    await waitUntilDrained(
      ctx,
      120_000,
      (left) => progress(`${label}: draining`, Math.max(0, load.sent - left), load.sent),
      options.settleMs,
    );
  }
  const cpuShares = await cpu?.stop();
  const cpuSeconds = (performance.now() - started) / 1000;
  const arrivals = (await tap?.stop()) ?? [];
  const events = await placedEvents(ctx, [...load.ids, ...lateIds]);
  const appliedAt = drain ? await appliedTimes(ctx, events) : new Map<string, number>();
  const arrivedAt = firstArrivals(arrivals);
  const since = (at: Map<string, number>) =>
    events.flatMap((e) => {
      const t = at.get(e.id);
      return t === undefined ? [] : [t - e.committedAt];
    });
  const lateOrders = new Set(lateIds.map(String));
  return {
    load,
    loadSeconds,
    achievedRate: load.ok / load.sendSeconds,
    loadGeneratorCores: (used.user + used.system) / 1e6 / loadSeconds,
    startPosition,
    events,
    lateEventIds: events.filter((e) => lateOrders.has(e.orderId)).map((e) => e.id),
    appliedAt,
    arrivedAt,
    behind: behindOverTime(events, appliedAt),
    latencies: since(appliedAt),
    brokerLatencies: since(arrivedAt),
    order: tap ? commitOrder(events, arrivals) : undefined,
    outboxEvents: produced[0]!.n,
    /** With `cpu`: each process's share over the window from the load's start until drained. */
    cpu: cpuShares && { seconds: cpuSeconds, shares: cpuShares },
  };
}

export type OrdersAtRate = Awaited<ReturnType<typeof runOrdersAtRate>>;

/** Orders committed and not yet applied, sampled every 100 ms, from the commit and apply times. */
export function behindOverTime(
  events: { id: string; committedAt: number }[],
  appliedAt: Map<string, number>,
): [number, number][] {
  if (events.length === 0) return [];
  const commits = events.map((e) => e.committedAt).sort((a, b) => a - b);
  const applies = events.flatMap((e) => (appliedAt.has(e.id) ? [appliedAt.get(e.id)!] : [])).sort((a, b) => a - b);
  const start = commits[0]!;
  const end = Math.max(commits[commits.length - 1]!, applies[applies.length - 1] ?? start);
  const samples: [number, number][] = [];
  let c = 0;
  let a = 0;
  for (let t = start; t <= end + 100; t += 100) {
    while (c < commits.length && commits[c]! <= t) c++;
    while (a < applies.length && applies[a]! <= t) a++;
    samples.push([Math.round(t - start) / 1000, c - a]);
  }
  return samples;
}

/**
 * Every outbox event past `position` with its commit time, and the commit time of the projector
 * transaction that applied each: what was behind, and how late, read afterwards from commit
 * timestamps instead of sampling sync-status during the window (which costs the query API and
 * both databases CPU the measured work would share).
 */
export async function committedAndApplied(ctx: BenchContext, position: string) {
  const { rows } = await ctx.write.query<{ id: string; committed: Date }>(
    `SELECT id, pg_xact_commit_timestamp(xmin) AS committed FROM outbox WHERE position > $1::bigint`,
    [position],
  );
  const events = rows.map((r) => ({ id: r.id, committedAt: r.committed.getTime() }));
  return { events, appliedAt: await appliedTimes(ctx, events) };
}

/** For each of these events the projector applied: the commit time of the transaction that applied it. */
export async function appliedTimes(ctx: BenchContext, events: { id: string }[]): Promise<Map<string, number>> {
  const { rows } = await ctx.read.query<{ event_id: string; committed: Date }>(
    `SELECT event_id, pg_xact_commit_timestamp(xmin) AS committed FROM inbox WHERE event_id = ANY($1::uuid[])`,
    [events.map((e) => e.id)],
  );
  return new Map(rows.map((a) => [a.event_id, a.committed.getTime()]));
}

/** The outbox's highest position now, as text (a bigint). */
export async function outboxPosition(ctx: BenchContext): Promise<string> {
  const { rows } = await ctx.write.query<{ p: string }>(`SELECT coalesce(max(position), 0)::text AS p FROM outbox`);
  return rows[0]!.p;
}

/** The OrderPlaced events of these orders, with the commit time of the order's transaction. */
export async function placedEvents(ctx: BenchContext, orderIds: number[]): Promise<PlacedEvent[]> {
  // The order row's xmin, not the outbox row's: relays that mark rows published rewrite those.
  const { rows } = await ctx.write.query<{ id: string; order_id: string; position: string; committed: Date }>(
    `SELECT o.id, o.aggregateid AS order_id, o.position::text AS position, pg_xact_commit_timestamp(ord.xmin) AS committed
       FROM outbox o JOIN orders ord ON ord.id = o.aggregateid::int
      WHERE o.type = 'OrderPlaced' AND o.aggregateid = ANY($1::text[])`,
    [orderIds.map(String)],
  );
  return rows.map((r) => ({ id: r.id, orderId: r.order_id, position: Number(r.position), committedAt: r.committed.getTime() }));
}

/** One window's figures, from a run of orders; `latencies` may come from elsewhere (the floors). */
export function windowOf(
  r: Pick<OrdersAtRate, 'load' | 'loadSeconds' | 'achievedRate' | 'loadGeneratorCores'>,
  latencies: number[],
  extra: Partial<FreshnessWindow> = {},
): FreshnessWindow {
  return {
    sent: r.load.sent,
    ok: r.load.ok,
    failed: r.load.failed,
    sendSeconds: r.load.sendSeconds,
    loadSeconds: r.loadSeconds,
    achievedRate: r.achievedRate,
    requestMs: percentiles(r.load.requestMs),
    latencyMs: percentiles(latencies),
    loadGeneratorCores: r.loadGeneratorCores,
    ...extra,
  };
}

/** A system's window through the broker: freshness, the hop to the broker, order, and what the write side paid. */
export function brokerWindow(r: OrdersAtRate, writeCost: WriteCost): FreshnessWindow {
  return windowOf(r, r.latencies, {
    brokerMs: percentiles(r.brokerLatencies),
    ...(r.order ? { order: r.order } : {}),
    writeCost,
    behind: r.behind,
  });
}
