/**
 * The search for the highest sustained order rate, as pure functions of the steps measured so
 * far, so the decisions are unit-tested apart from the stack.
 */

/** What one step of the search measured. */
export interface StepOutcome {
  /** Offered orders per second (the open loop's schedule). */
  rate: number;
  seconds: number;
  sent: number;
  ok: number;
  failed: number;
  /** Successful orders per second of the send window (the open loop's schedule, or longer if it fell behind). */
  achievedRate: number;
  /** p99 of the requests' time to their answers, ms. */
  requestP99Ms: number;
  /** Successful orders whose OrderPlaced event was applied (and so has a freshness). */
  covered: number;
  /** p99 of commit to the projector's commit over the covered orders, ms. */
  p99Ms: number;
}

/** A step of the search and its verdict, with the reasons it did not keep up. */
export interface SustainedStep extends StepOutcome {
  kept: boolean;
  reasons: string[];
  /** The bench process's own CPU over the load window, in cores. */
  loadGeneratorCores?: number;
}

export interface SearchPlan {
  /** The first step's rate. */
  start: number;
  /** Added after each step that kept up. */
  step: number;
  /** No step above this rate. */
  max: number;
  /** No more steps than this (the smoke run's one or two). */
  maxSteps: number;
  /** Halving below this ends the search: nothing keeps up. */
  minRate: number;
  stepSeconds: number;
}

/** Freshness must stay under this at p99 for a step to keep up. */
export const P99_LIMIT_MS = 1_000;
/** Successful orders per second, and in all, must reach this share of what was offered. */
export const MIN_SHARE = 0.95;

/**
 * Kept up: no request failed, successful orders reached 95% of those offered and 95% of the
 * offered rate over the send window, the API answered (request p99 under a second), every
 * successful order was applied, and its freshness p99 stayed under a second. Returns the reasons
 * it did not (none: kept up). Pure.
 */
export function reasonsNotKept(s: StepOutcome): string[] {
  const reasons: string[] = [];
  const offered = Math.round(s.rate * s.seconds);
  if (s.failed > 0) reasons.push(`${s.failed} failed requests`);
  if (s.ok < MIN_SHARE * offered) reasons.push(`${s.ok} of ${offered} offered orders succeeded`);
  if (s.achievedRate < MIN_SHARE * s.rate) reasons.push(`achieved ${s.achievedRate.toFixed(1)}/s of ${s.rate}/s`);
  if (!(s.requestP99Ms < P99_LIMIT_MS)) reasons.push(`request p99 ${Math.round(s.requestP99Ms)} ms ≥ ${P99_LIMIT_MS} ms`);
  if (s.covered < s.ok) reasons.push(`${s.ok - s.covered} successful orders never applied`);
  if (!(s.p99Ms < P99_LIMIT_MS))
    reasons.push(`p99 ${Number.isNaN(s.p99Ms) ? 'none' : `${Math.round(s.p99Ms)} ms`} ≥ ${P99_LIMIT_MS} ms`);
  return reasons;
}

/** How the search ended. */
export type SearchEnd =
  /** The step after the highest kept one did not keep up. */
  | 'found'
  /** The first step did not keep up; a lower one (by halving) did. */
  | 'found-lower'
  /** Nothing kept up, down to the plan's minimum rate. */
  | 'none'
  /** Every step kept up up to the plan's maximum rate: the rate is at least this. */
  | 'max'
  /** The plan's step count ran out (smoke): the rate is at least the highest kept, or unknown. */
  | 'step-limit';

export type SearchDecision = { next: number } | { done: true; rate: number; end: SearchEnd };

/**
 * The next step, or the end of the search, from the steps so far: up by `step` while each keeps
 * up, ending at the highest that did once one does not; if the very first does not, down by
 * halving until one does (the highest sustained is then at least that) or the rate falls below
 * `minRate` (none: rate 0). Pure.
 */
export function nextSearchStep(plan: SearchPlan, steps: Pick<SustainedStep, 'rate' | 'kept'>[]): SearchDecision {
  const last = steps.at(-1);
  if (!last) return { next: plan.start };
  const kept = steps.filter((s) => s.kept);
  const best = kept.length > 0 ? Math.max(...kept.map((s) => s.rate)) : 0;
  const atLimit = steps.length >= plan.maxSteps;
  if (last.kept) {
    // A kept step after a failed one: the halving found a rate that keeps up.
    if (steps.some((s) => !s.kept)) return { done: true, rate: last.rate, end: 'found-lower' };
    const next = last.rate + plan.step;
    if (next > plan.max) return { done: true, rate: last.rate, end: 'max' };
    if (atLimit) return { done: true, rate: best, end: 'step-limit' };
    return { next };
  }
  if (kept.length > 0) return { done: true, rate: best, end: 'found' };
  const lower = Math.floor(last.rate / 2);
  if (lower < plan.minRate) return { done: true, rate: 0, end: 'none' };
  if (atLimit) return { done: true, rate: 0, end: 'step-limit' };
  return { next: lower };
}
