import { postgresUrl } from '@shop/shared/config';
import { createPool } from '@shop/shared/db';
import type pg from 'pg';
import { dbLogin, type StackConfig } from '../../infra/src/stack-config.ts';
import { removePoison, waitUntilPoisonParked } from './dead-letter-check.ts';
import type { FaultContext } from './fault-context.ts';
import { drainAndHeal, type Settled } from './heal.ts';
import { checkInvariants, takeBaseline, type Check } from './invariants.ts';
import { startLagMonitor } from './lag-monitor.ts';
import type { PoisonRecord } from './poison.ts';
import { startRetentionRounds, type RetentionFigures } from './retention-rounds.ts';
import { faultRandom, runSchedule, type FaultRecord } from './schedule.ts';
import { startWorkload, type WorkloadStats } from '../support/steady-workload.ts';
import type { WebhookReceiver } from '../support/webhook-receiver.ts';
import { stackShardCount } from '../../infra/src/native/rabbitmq.ts';
import { checkNotifier, drainNotifier, notifierMissingBefore, type NotifierFigures } from './notifier-check.ts';

import type { FaultKind } from './faults.ts';

export type { FaultRecord } from './schedule.ts';

export interface ChaosPlan {
  seconds: number;
  faultsPerKind: number;
  seed: number;
  /** Command API requests per second. */
  rate: number;
  /** The kinds of fault to inject; FAULT_KINDS when not given. */
  kinds?: readonly FaultKind[];
}

export interface ChaosResult {
  plan: ChaosPlan;
  faults: FaultRecord[];
  workload: Omit<WorkloadStats, 'acknowledgedOrders'> & { acknowledgedOrders: number };
  eventsWritten: number;
  duplicatesAbsorbed: number;
  /** Retention rounds run through the run: partitions archived, inbox pruned. */
  retention: RetentionFigures;
  drainedSeconds: number | null;
  /** sync-status `missing` after the drain, and events asked for on demand (stacks that do not heal by themselves). */
  missingAtEnd: number | null;
  healRequested: number;
  /** Every poison message published, with its kind (removed from the DLQ after the checks). */
  poison: PoisonRecord[];
  /** The notifier's deliveries: requests, repeated 2xx and their bound, its drain. */
  notifier: NotifierFigures;
  invariants: Check[];
  /** Why the schedule stopped early (a fault after which the stack did not become whole); the checks still ran. */
  aborted: string | null;
  passed: boolean;
}

/** Bound on the drain after the workload, the slot-drop heal included (shorter after an aborted schedule). */
const DRAIN_TIMEOUT_MS = 240_000;
const ABORTED_DRAIN_TIMEOUT_MS = 30_000;
/** Bound on the notifier's catching up once the projector drained (its receiver fails a fifth of the POSTs). */
const NOTIFIER_DRAIN_TIMEOUT_MS = 120_000;
/** Bound on the wait for poison messages still being retried before they are parked. */
const PARKING_TIMEOUT_MS = 60_000;
/** How often retention runs during a chaos run. */
const RETENTION_EVERY_MS = 5000;

/**
 * Drives the mixed workload on a running (supervised) stack, injects every kind of fault
 * `faultsPerKind` times in a seeded order spread over the run, then lets the pipeline drain (and
 * heals on demand what the reconciler reports missing, on a stack that does not heal by itself),
 * checks the invariants, and removes the poison messages it parked.
 */
export async function runChaos(
  stack: StackConfig,
  plan: ChaosPlan,
  log: (line: string) => void,
  /** The webhook receiver the stack's notifier POSTs to; none: the notifier records (table mode). */
  receiver?: WebhookReceiver,
): Promise<ChaosResult> {
  const write = createPool(postgresUrl(stack, stack.WRITE_DB_NAME), 3, 'chaos');
  const read = createPool(postgresUrl(stack, stack.READ_DB_NAME), 3, 'chaos', 'read');
  // Retention is the projector's job: its rounds run as the projector's role, as the projector runs them.
  const projector = dbLogin(stack, 'projector');
  const asProjector = {
    write: createPool(postgresUrl(projector, stack.WRITE_DB_NAME), 2, 'chaos-retention'),
    read: createPool(postgresUrl(projector, stack.READ_DB_NAME), 2, 'chaos-retention'),
  };
  const poison: PoisonRecord[] = [];
  try {
    const api = `http://127.0.0.1:${stack.COMMAND_API_PORT}`;
    const baseline = await takeBaseline(stack, write, read);
    const fromPosition = await highestPosition(write);
    const notifierMissing = await notifierMissingBefore(stack);
    const products = await createProducts(api, plan.seed);
    const monitor = startLagMonitor(stack);
    const workload = startWorkload(api, products, plan.seed, plan.rate, log);
    const retention = startRetentionRounds(asProjector, RETENTION_EVERY_MS, log);
    const context = (i: number): FaultContext => ({
      stack,
      api,
      products,
      write,
      read,
      poison,
      log,
      samples: monitor.samples,
      rnd: faultRandom(plan, i),
    });
    const { faults, aborted } = await runSchedule(plan, context, monitor.samples, () => workload.stats.orders.ok, log);
    const stats = await workload.stop();
    log(aborted ? `ABORTED, ${aborted}; workload stopped, checking what is left` : 'workload stopped; draining');
    const settled = await drainAndHeal(stack, aborted ? ABORTED_DRAIN_TIMEOUT_MS : DRAIN_TIMEOUT_MS);
    const notifierDrained = await drainNotifier(
      stack,
      aborted ? ABORTED_DRAIN_TIMEOUT_MS : NOTIFIER_DRAIN_TIMEOUT_MS,
      notifierMissing,
    );
    monitor.stop();
    // One more round once drained: what the run wrote in partitions that have ended goes too.
    await retention.roundNow();
    const retained = await retention.stop();
    if (!(await waitUntilPoisonParked(stack, poison, aborted ? 10_000 : PARKING_TIMEOUT_MS)))
      log('some poison messages are not parked');
    const outcome = { acknowledgedOrders: stats.acknowledgedOrders, poison, settled };
    const notifier = await checkNotifier({
      write,
      read,
      receiver,
      fromPosition,
      faults,
      shards: await stackShardCount(stack),
      drained: notifierDrained,
    });
    const invariants = [...(await checkInvariants(stack, write, read, outcome, baseline)), ...notifier.checks];
    const { acknowledgedOrders, ...workloadTotals } = stats;
    return {
      plan,
      faults,
      workload: { ...workloadTotals, acknowledgedOrders: acknowledgedOrders.length },
      eventsWritten: await outboxCount(write),
      duplicatesAbsorbed: monitor.duplicatesAbsorbed(),
      retention: retained,
      ...settledFigures(settled),
      poison,
      notifier: notifier.figures,
      invariants,
      aborted: aborted ?? null,
      passed: !aborted && settled.drainedSeconds !== null && invariants.every((c) => c.ok),
    };
  } finally {
    // Checked by now (or the run failed): the shared test stack's DLQ is left as it was.
    await removePoison(stack, read, poison).catch((err: unknown) =>
      log(`could not remove the poison dead letters: ${String(err)}`),
    );
    await Promise.allSettled([write.end(), read.end(), asProjector.write.end(), asProjector.read.end()]);
  }
}

const settledFigures = (s: Settled) => ({
  drainedSeconds: s.drainedSeconds,
  missingAtEnd: s.missing,
  healRequested: s.healRequested,
});

async function highestPosition(write: pg.Pool): Promise<number> {
  return Number(
    (await write.query<{ p: string }>('SELECT coalesce(max(position), 0)::text AS p FROM outbox_history')).rows[0]!.p,
  );
}

async function outboxCount(write: pg.Pool): Promise<number> {
  return Number((await write.query<{ n: number }>('SELECT count(*)::int AS n FROM outbox_history')).rows[0]!.n);
}

/** A few products, the first three hot (most lines go to them), with stock that can run out. */
async function createProducts(api: string, seed: number): Promise<number[]> {
  const ids: number[] = [];
  for (let i = 0; i < 8; i++) {
    const res = await fetch(`${api}/api/products`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: `Chaos ${seed}-${i}`, category: `chaos-${i % 3}`, price: 5 + i, stock: 150 }),
    });
    ids.push(((await res.json()) as { productId: number }).productId);
  }
  return ids;
}
