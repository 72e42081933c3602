import { postgresUrl } from '@shop/shared/config';
import { createPool } from '@shop/shared/db';
import type { StackConfig } from '../../infra/src/stack-config.ts';
import { random } from '../support/random.ts';
import { FAULT_KINDS, injectFault, type FaultKind } from './faults.ts';
import { waitUntilProjected } from '../support/clients.ts';
import { checkInvariants, takeBaseline, type Check } from './invariants.ts';
import { startLagMonitor, type LagSample } from './lag-monitor.ts';
import { startWorkload, type WorkloadStats } from './workload.ts';

export interface ChaosPlan {
  seconds: number;
  faultsPerKind: number;
  seed: number;
  /** Command API requests per second. */
  rate: number;
}

export interface FaultRecord {
  kind: FaultKind;
  startedAtSecond: number;
  /** From injection until the stack was whole again (piece back, broker or database answering). */
  faultSeconds: number;
  /** From the end of the fault until the oldest pending event was at most a second old again. */
  recoverySeconds: number | null;
  worstEventsBehind: number;
  worstLagSeconds: number;
}

export interface ChaosResult {
  plan: ChaosPlan;
  faults: FaultRecord[];
  workload: Omit<WorkloadStats, 'acknowledgedOrders'> & { acknowledgedOrders: number };
  eventsWritten: number;
  duplicatesAbsorbed: number;
  drainedSeconds: number | null;
  invariants: Check[];
  passed: boolean;
}

const RECOVERED_LAG_SECONDS = 1;

/**
 * Drives the mixed workload on a running (supervised) stack, injects every kind of fault
 * `faultsPerKind` times in a seeded order spread over the run, then lets the pipeline drain and
 * checks the invariants.
 */
export async function runChaos(stack: StackConfig, plan: ChaosPlan, log: (line: string) => void): Promise<ChaosResult> {
  const write = createPool(postgresUrl(stack, stack.WRITE_DB_NAME), 3, 'chaos');
  const read = createPool(postgresUrl(stack, stack.READ_DB_NAME), 3, 'chaos', 'read');
  try {
    const api = `http://127.0.0.1:${stack.COMMAND_API_PORT}`;
    const baseline = await takeBaseline(stack, write, read);
    const products = await createProducts(api, plan.seed);
    const monitor = startLagMonitor(stack);
    const workload = startWorkload(api, products, plan.seed, plan.rate, log);
    const started = Date.now();
    const faults: FaultRecord[] = [];
    const schedule = faultSchedule(plan);
    const slot = (plan.seconds * 1000) / (schedule.length + 1);
    for (const [i, kind] of schedule.entries()) {
      const due = started + slot * (i + 1);
      await new Promise((r) => setTimeout(r, Math.max(0, due - Date.now())));
      faults.push(await oneFault(stack, kind, started, monitor.samples));
      const f = faults.at(-1)!;
      log(
        `[${Math.round((Date.now() - started) / 1000)} s] fault ${i + 1}/${schedule.length} ${kind}: over in ${f.faultSeconds} s, recovered ${f.recoverySeconds ?? 'not'} s later, worst ${f.worstEventsBehind} events / ${f.worstLagSeconds} s behind (${workload.stats.orders.ok} orders so far)`,
      );
    }
    await new Promise((r) => setTimeout(r, Math.max(0, started + plan.seconds * 1000 - Date.now())));
    const stats = await workload.stop();
    log(`workload stopped; draining`);
    const drainStart = Date.now();
    const drained = await waitUntilProjected(stack, 180_000).then(
      () => true,
      () => false,
    );
    const drainedSeconds = drained ? (Date.now() - drainStart) / 1000 : null;
    monitor.stop();
    const invariants = await checkInvariants(stack, write, read, stats.acknowledgedOrders, baseline);
    const eventsWritten = Number((await write.query<{ n: number }>('SELECT count(*)::int AS n FROM outbox')).rows[0]!.n);
    const { acknowledgedOrders, ...workloadTotals } = stats;
    return {
      plan,
      faults,
      workload: { ...workloadTotals, acknowledgedOrders: acknowledgedOrders.length },
      eventsWritten,
      duplicatesAbsorbed: monitor.duplicatesAbsorbed(),
      drainedSeconds,
      invariants,
      passed: drained && invariants.every((c) => c.ok),
    };
  } finally {
    await Promise.allSettled([write.end(), read.end()]);
  }
}

async function oneFault(stack: StackConfig, kind: FaultKind, runStart: number, samples: LagSample[]): Promise<FaultRecord> {
  const t0 = Date.now();
  await injectFault(stack, kind);
  const t1 = Date.now();
  let recoveredAt: number | undefined;
  while (Date.now() - t1 < 60_000) {
    const last = samples.at(-1);
    if (last && last.at > t1 && last.lagSeconds <= RECOVERED_LAG_SECONDS) {
      recoveredAt = last.at;
      break;
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  const during = samples.filter((s) => s.at >= t0 && s.at <= (recoveredAt ?? Date.now()));
  return {
    kind,
    startedAtSecond: Math.round((t0 - runStart) / 1000),
    faultSeconds: round((t1 - t0) / 1000),
    recoverySeconds: recoveredAt === undefined ? null : round((recoveredAt - t1) / 1000),
    worstEventsBehind: Math.max(0, ...during.map((s) => s.eventsBehind)),
    worstLagSeconds: round(Math.max(0, ...during.map((s) => s.lagSeconds))),
  };
}

/** Every kind `faultsPerKind` times, in an order drawn from the seed. */
function faultSchedule(plan: ChaosPlan): FaultKind[] {
  const rnd = random(plan.seed);
  const kinds = FAULT_KINDS.flatMap((kind) => Array<FaultKind>(plan.faultsPerKind).fill(kind));
  for (let i = kinds.length - 1; i > 0; i--) {
    const j = rnd.int(0, i);
    [kinds[i], kinds[j]] = [kinds[j]!, kinds[i]!];
  }
  return kinds;
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

const round = (n: number) => Math.round(n * 10) / 10;
