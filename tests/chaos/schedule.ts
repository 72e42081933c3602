import { random } from '../support/random.ts';
import type { ChaosPlan } from './chaos.ts';
import { shuffle, type FaultContext } from './fault-context.ts';
import { FAULT_KINDS, injectFault, type FaultKind } from './faults.ts';
import type { LagSample } from './lag-monitor.ts';

export interface FaultRecord {
  kind: FaultKind;
  startedAtSecond: number;
  /** From injection until the stack was whole again (piece back, broker or database answering). */
  faultSeconds: number;
  /** From the end of the fault until the oldest pending event was at most a second old again. */
  recoverySeconds: number | null;
  worstEventsBehind: number;
  worstLagSeconds: number;
  /** What the fault did, in a line. */
  detail: string;
}

const RECOVERED_LAG_SECONDS = 1;

export interface ScheduleOutcome {
  faults: FaultRecord[];
  /** Set when a fault could not be injected or the stack did not become whole after it: the schedule stopped there. */
  aborted?: string;
}

/** The faults of the schedule, each at its due time (or right after the previous one, if that ran late). */
export async function runSchedule(
  plan: ChaosPlan,
  context: (i: number) => FaultContext,
  samples: LagSample[],
  ordersSoFar: () => number,
  log: (line: string) => void,
): Promise<ScheduleOutcome> {
  const started = Date.now();
  const faults: FaultRecord[] = [];
  const schedule = faultSchedule(plan);
  const slot = (plan.seconds * 1000) / (schedule.length + 1);
  for (const [i, kind] of schedule.entries()) {
    const due = started + slot * (i + 1);
    await new Promise((r) => setTimeout(r, Math.max(0, due - Date.now())));
    let f: FaultRecord;
    try {
      f = await oneFault(context(i), kind, started, samples);
    } catch (err) {
      return {
        faults,
        aborted: `fault ${i + 1}/${schedule.length} ${kind} failed: ${err instanceof Error ? err.message : String(err)}`,
      };
    }
    faults.push(f);
    log(
      `[${Math.round((Date.now() - started) / 1000)} s] fault ${i + 1}/${schedule.length} ${kind}: ${f.detail}; over in ${f.faultSeconds} s, recovered ${f.recoverySeconds ?? 'not'} s later, worst ${f.worstEventsBehind} events / ${f.worstLagSeconds} s behind (${ordersSoFar()} orders so far)`,
    );
  }
  await new Promise((r) => setTimeout(r, Math.max(0, started + plan.seconds * 1000 - Date.now())));
  return { faults };
}

async function oneFault(ctx: FaultContext, kind: FaultKind, runStart: number, samples: LagSample[]): Promise<FaultRecord> {
  const t0 = Date.now();
  const detail = await injectFault(ctx, kind);
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
    detail,
  };
}

/** Every kind of the plan (by default FAULT_KINDS) `faultsPerKind` times, in an order drawn from the seed. */
function faultSchedule(plan: ChaosPlan): FaultKind[] {
  return shuffle(
    (plan.kinds ?? FAULT_KINDS).flatMap((kind) => Array<FaultKind>(plan.faultsPerKind).fill(kind)),
    random(plan.seed),
  );
}

/** The choices of the i-th fault (poison kinds, shards, delays, rows) come from the seed and i alone. */
export const faultRandom = (plan: ChaosPlan, i: number) => random((plan.seed * 7_919 + (i + 1) * 104_729) >>> 0);

const round = (n: number) => Math.round(n * 10) / 10;
