import { afterEach, describe, expect, it, vi } from 'vitest';
import { startPeriodic } from './periodic.ts';

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
