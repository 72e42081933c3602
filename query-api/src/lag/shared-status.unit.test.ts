import { describe, expect, it } from 'vitest';
import { sharedReading } from './shared-status.ts';

/** A reading that ends when the test says, numbered in the order they started. */
function controlledReads() {
  const pending: ((n: number) => void)[] = [];
  let started = 0;
  const read = () => {
    const n = ++started;
    return new Promise<number>((resolve) => pending.push(() => resolve(n)));
  };
  const finish = async () => {
    pending.shift()!(0);
    await new Promise((r) => setImmediate(r));
  };
  return { read, finish, started: () => started };
}

describe('sharedReading', () => {
  it('runs one reading at a time: callers during one share the next, started once it ends', async () => {
    const { read, finish, started } = controlledReads();
    const shared = sharedReading(read);
    const first = shared();
    const during = Array.from({ length: 10 }, () => shared());
    expect(started()).toBe(1);
    await finish();
    expect(await first).toBe(1);
    expect(started()).toBe(2);
    await finish();
    expect(await Promise.all(during)).toEqual(Array(10).fill(2));
    // Nothing runs: the next caller starts a reading of its own, after everything before it.
    const after = shared();
    expect(started()).toBe(3);
    await finish();
    expect(await after).toBe(3);
  });

  it('a failed reading fails its callers only; the next reading runs', async () => {
    let calls = 0;
    const shared = sharedReading(async () => {
      calls += 1;
      if (calls === 1) throw new Error('database away');
      return calls;
    });
    const [failed, next] = [shared(), shared()];
    await expect(failed).rejects.toThrow('database away');
    expect(await next).toBe(2);
  });
});
