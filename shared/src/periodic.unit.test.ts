import { afterEach, describe, expect, it, vi } from 'vitest';
import { random } from '../../tests/support/random.ts';
import { periodicStep, startPeriodic, type PeriodicEvent, type PeriodicState, type PeriodicStep } from './periodic.ts';

afterEach(() => vi.useRealTimers());

describe('startPeriodic', () => {
  it('runs at once, then every interval, never two runs at a time, and stop waits for the one going', async () => {
    vi.useFakeTimers();
    const finishers: (() => void)[] = [];
    const task = vi.fn(() => new Promise<void>((resolve) => finishers.push(resolve)));
    const periodic = startPeriodic(task, { everyMs: 1000, onError: () => undefined });
    expect(task).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(3000); // the first run is still going: the ticks are skipped
    expect(task).toHaveBeenCalledTimes(1);
    finishers.shift()!();
    await vi.advanceTimersByTimeAsync(1000);
    expect(task).toHaveBeenCalledTimes(2);
    let stopped = false;
    const stopping = periodic.stop().then(() => (stopped = true));
    await vi.advanceTimersByTimeAsync(5000);
    expect(stopped).toBe(false);
    finishers.shift()!();
    await stopping;
    expect(task).toHaveBeenCalledTimes(2);
  });

  it('hands a failed run to onError and runs again at the next tick', async () => {
    vi.useFakeTimers();
    const errors: unknown[] = [];
    let calls = 0;
    const periodic = startPeriodic(
      async () => {
        calls++;
        if (calls === 1) throw new Error('database away');
      },
      { everyMs: 500, onError: (err) => errors.push(err) },
    );
    await vi.advanceTimersByTimeAsync(500);
    expect(calls).toBe(2);
    expect(errors).toEqual([new Error('database away')]);
    await periodic.stop();
  });
});

describe('startPeriodic, runs requested now', () => {
  it('waits for the run in progress, runs after it with its own outcome, and never overlaps', async () => {
    vi.useFakeTimers();
    const finishers: (() => void)[] = [];
    let concurrent = 0;
    const periodic = startPeriodic(
      () =>
        new Promise<void>((resolve) => {
          concurrent++;
          finishers.push(() => {
            concurrent--;
            resolve();
          });
        }),
      { everyMs: 1000, onError: () => undefined, runAtStart: false },
    );
    await vi.advanceTimersByTimeAsync(1000);
    expect(finishers).toHaveLength(1);
    const now = periodic.runNow(async () => {
      expect(concurrent).toBe(0);
      return 'report';
    });
    const failing = periodic.runNow(async () => {
      throw new Error('audit failed');
    });
    finishers.shift()!();
    await expect(now).resolves.toBe('report');
    await expect(failing).rejects.toThrow('audit failed');
    await periodic.stop();
  });

  it('does not run at start when told so, and refuses a request once stopped', async () => {
    vi.useFakeTimers();
    const task = vi.fn(async () => undefined);
    const periodic = startPeriodic(task, { everyMs: 1000, onError: () => undefined, runAtStart: false });
    expect(task).not.toHaveBeenCalled();
    await vi.advanceTimersByTimeAsync(1000);
    expect(task).toHaveBeenCalledTimes(1);
    await periodic.stop();
    await expect(periodic.runNow(async () => 1)).rejects.toThrow('stopped');
    await vi.advanceTimersByTimeAsync(5000);
    expect(task).toHaveBeenCalledTimes(1);
  });
});

describe('periodicStep, the transitions', () => {
  const from = (state: PeriodicState<string>, ...events: PeriodicEvent<string>[]) => {
    const steps: PeriodicStep<string>[] = [];
    for (const event of events) {
      const step = periodicStep(state, event);
      steps.push(step);
      state = step.state;
    }
    return steps;
  };

  it('a tick starts the task when idle and is skipped while running, stopping or stopped', () => {
    expect(periodicStep({ name: 'idle' }, { type: 'tick' })).toEqual({
      state: { name: 'running', queued: [] },
      start: { kind: 'task' },
    });
    for (const state of [
      { name: 'running', queued: ['a'] },
      { name: 'stopping', queued: [] },
      { name: 'stopped' },
    ] as PeriodicState<string>[]) {
      expect(periodicStep(state, { type: 'tick' })).toEqual({ state });
    }
  });

  it('requests queue behind the run in progress and start in order; a failed or finished run frees the next tick', () => {
    const steps = from(
      { name: 'idle' },
      { type: 'tick' },
      { type: 'request', request: 'a' },
      { type: 'request', request: 'b' },
      { type: 'run-ended' },
      { type: 'run-ended' },
      { type: 'run-ended' },
      { type: 'tick' },
    );
    expect(steps.map((s) => s.start)).toEqual([
      { kind: 'task' },
      undefined,
      undefined,
      { kind: 'request', request: 'a' },
      { kind: 'request', request: 'b' },
      undefined,
      { kind: 'task' },
    ]);
    expect(steps[5]!.state).toEqual({ name: 'idle' });
  });

  it('stop waits for the run in progress and the requests queued before it, refuses new ones, and ends stopped', () => {
    const steps = from(
      { name: 'running', queued: ['a'] },
      { type: 'stop' },
      { type: 'request', request: 'late' },
      { type: 'run-ended' },
      { type: 'run-ended' },
      { type: 'stop' },
    );
    expect(steps.map((s) => s.state.name)).toEqual(['stopping', 'stopping', 'stopping', 'stopped', 'stopped']);
    expect(steps[1]!.refused).toBe('late');
    expect(steps[2]!.start).toEqual({ kind: 'request', request: 'a' });
    expect(periodicStep({ name: 'idle' }, { type: 'stop' })).toEqual({ state: { name: 'stopped' } });
    expect(periodicStep({ name: 'stopped' }, { type: 'request', request: 'x' }).refused).toBe('x');
  });

  it('under a seeded random schedule of events, at most one run at a time and every request either runs once or is refused', () => {
    for (let seed = 1; seed <= 200; seed++) {
      const rnd = random(seed);
      let state: PeriodicState<number> = { name: 'idle' };
      let running = 0;
      let requested = 0;
      const outcomes = new Map<number, 'ran' | 'refused'>();
      for (let i = 0; i < 100; i++) {
        const roll = rnd.next();
        const event: PeriodicEvent<number> =
          roll < 0.35
            ? { type: 'tick' }
            : roll < 0.6
              ? { type: 'request', request: requested++ }
              : roll < 0.95
                ? { type: 'run-ended' }
                : { type: 'stop' };
        if (event.type === 'run-ended' && running === 0) continue; // only a run in progress can end
        const step: PeriodicStep<number> = periodicStep(state, event);
        if (event.type === 'run-ended') running--;
        if (step.start) running++;
        if (step.start?.kind === 'request') outcomes.set(step.start.request, 'ran');
        if (step.refused !== undefined) outcomes.set(step.refused, 'refused');
        state = step.state;
        expect(running, `seed ${seed}`).toBeLessThanOrEqual(1);
        expect(running === 1, `seed ${seed}: ${state.name}`).toBe(state.name === 'running' || state.name === 'stopping');
      }
      while (running > 0) {
        const step = periodicStep(state, { type: 'run-ended' });
        running += step.start ? 0 : -1;
        if (step.start?.kind === 'request') outcomes.set(step.start.request, 'ran');
        state = step.state;
      }
      expect(outcomes.size, `seed ${seed}`).toBe(requested);
    }
  });
});
