import type { BenchContext } from '../context.ts';
import { percentiles, round } from '../report/stats.ts';
import { runOrdersAtRate, type Progress } from './freshness.ts';

export interface SustainedStep {
  rate: number;
  achievedRate: number;
  failed: number;
  p99Ms: number;
  kept: boolean;
}

export interface SustainedRate {
  /** The highest step the stack kept up with; the freshness scenario then runs at it. */
  rate: number;
  stepSeconds: number;
  steps: SustainedStep[];
}

/** Kept up: the open loop was served on schedule, nothing failed, and orders were visible within a second. */
const P99_LIMIT_MS = 1_000;

/**
 * Raises the open-loop order rate step by step (each step drains before the next) until the
 * stack stops keeping up; the last step it kept up with is the highest rate it sustains.
 */
export async function findSustainedRate(
  ctx: BenchContext,
  plan: { from: number; step: number; stepSeconds: number; max: number },
  progress: Progress,
): Promise<SustainedRate> {
  const steps: SustainedStep[] = [];
  for (let rate = plan.from; rate <= plan.max; rate += plan.step) {
    const r = await runOrdersAtRate(ctx, rate, plan.stepSeconds, progress, `highest sustained rate: ${rate}/s`);
    const p99Ms = percentiles(r.latencies).p99;
    const kept = r.achievedRate >= 0.95 * rate && r.load.failed === 0 && p99Ms < P99_LIMIT_MS;
    steps.push({ rate, achievedRate: round(r.achievedRate), failed: r.load.failed, p99Ms, kept });
    ctx.log(
      `sustained-rate step ${rate}/s: achieved ${round(r.achievedRate)}/s, p99 ${round(p99Ms)} ms → ${kept ? 'kept up' : 'fell behind'}`,
    );
    if (!kept) break;
  }
  const kept = steps.filter((s) => s.kept);
  return { rate: kept.at(-1)?.rate ?? plan.from - plan.step, stepSeconds: plan.stepSeconds, steps };
}
