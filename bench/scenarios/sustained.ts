import type { BenchContext } from '../context.ts';
import { percentiles, round } from '../report/stats.ts';
import { runOrdersAtRate, type Progress, type System } from './freshness.ts';
import { nextSearchStep, reasonsNotKept, type SearchEnd, type SearchPlan, type SustainedStep } from './sustained-search.ts';

export type { SustainedStep } from './sustained-search.ts';

export interface SustainedRate {
  /** Whose rate: ours, or a relay replacing Debezium. Absent from older runs: ours. */
  system?: System;
  /** The highest step the stack kept up with (0: none did); the freshness scenario then runs at it. */
  rate: number;
  /** How the search ended (absent from older runs). */
  end?: SearchEnd;
  stepSeconds: number;
  steps: SustainedStep[];
}

/**
 * Finds the highest order rate the stack sustains: open-loop steps from `plan.start` up by
 * `plan.step` (each drained before the next, no broker tap), ending at the highest that kept up;
 * if the first does not, halving until one does (nextSearchStep). Every step is reported.
 */
export async function findSustainedRate(
  ctx: BenchContext,
  plan: SearchPlan,
  progress: Progress,
  system: System = 'cdc',
): Promise<SustainedRate> {
  const steps: SustainedStep[] = [];
  for (;;) {
    const decision = nextSearchStep(plan, steps);
    if ('done' in decision) return { system, rate: decision.rate, end: decision.end, stepSeconds: plan.stepSeconds, steps };
    const rate = decision.next;
    const r = await runOrdersAtRate(ctx, rate, plan.stepSeconds, progress, `highest sustained rate (${system}): ${rate}/s`, {
      tap: false,
    });
    const outcome = {
      rate,
      seconds: plan.stepSeconds,
      sent: r.load.sent,
      ok: r.load.ok,
      failed: r.load.failed,
      achievedRate: round(r.achievedRate),
      requestP99Ms: percentiles(r.load.requestMs).p99,
      covered: r.latencies.length,
      p99Ms: percentiles(r.latencies).p99,
    };
    const reasons = reasonsNotKept(outcome);
    steps.push({ ...outcome, kept: reasons.length === 0, reasons, loadGeneratorCores: round(r.loadGeneratorCores, 2) });
    ctx.log(
      `sustained-rate step (${system}) ${rate}/s: achieved ${outcome.achievedRate}/s, ${outcome.failed} failed, request p99 ${round(outcome.requestP99Ms)} ms, p99 ${round(outcome.p99Ms)} ms → ${reasons.length === 0 ? 'kept up' : `fell behind (${reasons.join('; ')})`}`,
    );
  }
}
