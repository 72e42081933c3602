import { describe, expect, it } from 'vitest';
import { nextSearchStep, reasonsNotKept, type SearchPlan, type StepOutcome } from './sustained-search.ts';

const plan: SearchPlan = { start: 100, step: 100, max: 2_000, maxSteps: 100, minRate: 10, stepSeconds: 10 };
const step = (rate: number, kept: boolean) => ({ rate, kept });

describe('the sustained-rate search', () => {
  it('starts at the plan start and goes up by the step while steps keep up', () => {
    expect(nextSearchStep(plan, [])).toEqual({ next: 100 });
    expect(nextSearchStep(plan, [step(100, true)])).toEqual({ next: 200 });
    expect(nextSearchStep(plan, [step(100, true), step(200, true)])).toEqual({ next: 300 });
  });

  it('ends at the highest step that kept up, never at a default', () => {
    expect(nextSearchStep(plan, [step(100, true), step(200, true), step(300, false)])).toEqual({
      done: true,
      rate: 200,
      end: 'found',
    });
  });

  it('searches lower by halving when the first step fails, and says so', () => {
    expect(nextSearchStep(plan, [step(100, false)])).toEqual({ next: 50 });
    expect(nextSearchStep(plan, [step(100, false), step(50, false)])).toEqual({ next: 25 });
    expect(nextSearchStep(plan, [step(100, false), step(50, true)])).toEqual({ done: true, rate: 50, end: 'found-lower' });
  });

  it('reports rate 0 when nothing keeps up down to the minimum rate', () => {
    const steps = [step(100, false), step(50, false), step(25, false), step(12, false)];
    expect(nextSearchStep(plan, steps)).toEqual({ done: true, rate: 0, end: 'none' });
  });

  it('stops at the plan maximum, the rate being at least that', () => {
    const small = { ...plan, max: 200 };
    expect(nextSearchStep(small, [step(100, true), step(200, true)])).toEqual({ done: true, rate: 200, end: 'max' });
  });

  it('stops when the step count runs out (the smoke run), at the highest kept or 0', () => {
    const two = { ...plan, maxSteps: 2 };
    expect(nextSearchStep(two, [step(100, true), step(200, true)])).toEqual({ done: true, rate: 200, end: 'step-limit' });
    expect(nextSearchStep(two, [step(100, true), step(200, false)])).toEqual({ done: true, rate: 100, end: 'found' });
    expect(nextSearchStep(two, [step(100, false), step(50, false)])).toEqual({ done: true, rate: 0, end: 'step-limit' });
  });
});

describe('whether a step kept up', () => {
  const good: StepOutcome = {
    rate: 100,
    seconds: 10,
    sent: 1000,
    ok: 1000,
    failed: 0,
    achievedRate: 99.5,
    requestP99Ms: 80,
    covered: 1000,
    p99Ms: 300,
  };

  it('keeps up with no failure, 95% of the offered orders and rate, every order applied, p99 under 1 s', () => {
    expect(reasonsNotKept(good)).toEqual([]);
  });

  it('does not keep up with a single failed request', () => {
    expect(reasonsNotKept({ ...good, ok: 999, failed: 1, covered: 999 })).toEqual(['1 failed requests']);
  });

  it('does not keep up under 95% of the offered orders or rate', () => {
    expect(reasonsNotKept({ ...good, achievedRate: 94 })).toEqual(['achieved 94.0/s of 100/s']);
    expect(reasonsNotKept({ ...good, ok: 940, covered: 940 })).toEqual(['940 of 1000 offered orders succeeded']);
  });

  it('does not keep up when the API takes a second or more to answer', () => {
    expect(reasonsNotKept({ ...good, requestP99Ms: 1_500 })).toEqual(['request p99 1500 ms ≥ 1000 ms']);
  });

  it('does not keep up with a p99 of a second or more, or orders never applied', () => {
    expect(reasonsNotKept({ ...good, p99Ms: 1_000 })).toEqual(['p99 1000 ms ≥ 1000 ms']);
    expect(reasonsNotKept({ ...good, covered: 990 })).toEqual(['10 successful orders never applied']);
    expect(reasonsNotKept({ ...good, covered: 0, p99Ms: NaN })).toEqual([
      '1000 successful orders never applied',
      'p99 none ≥ 1000 ms',
    ]);
  });
});
