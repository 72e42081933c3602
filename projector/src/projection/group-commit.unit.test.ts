import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { GroupCommit } from './group-commit.ts';

/** A commit that the test ends by hand, recording each group it was given. */
function controlledCommit(fail: (items: number[]) => boolean = () => false) {
  const groups: number[][] = [];
  const open: (() => void)[] = [];
  const commit = (items: number[]) =>
    new Promise<number[]>((resolve, reject) => {
      groups.push(items);
      open.push(() => (fail(items) ? reject(new Error(`failed ${items.join(',')}`)) : resolve(items.map((i) => i * 10))));
    });
  const finishNext = async () => {
    await tick();
    open.shift()?.();
    await tick();
  };
  return { groups, commit, finishNext, open };
}

const tick = () => new Promise((r) => setTimeout(r, 0));

describe('GroupCommit', () => {
  it('starts a transaction at once when idle, and is idle again after it', async () => {
    const c = controlledCommit();
    const group = new GroupCommit(c.commit, 100, () => 1);
    expect(group.state).toBe('idle');
    const result = group.submit(1);
    expect(group.state).toBe('committing');
    await c.finishNext();
    await expect(result).resolves.toBe(10);
    expect(group.state).toBe('idle');
    expect(c.groups).toEqual([[1]]);
  });

  it('puts every batch that arrived during a transaction into the next one, in arrival order', async () => {
    const c = controlledCommit();
    const group = new GroupCommit(c.commit, 100, () => 1);
    const results = [1, 2, 3, 4].map((i) => group.submit(i));
    expect(group.queued).toBe(3);
    await c.finishNext();
    await c.finishNext();
    expect(await Promise.all(results)).toEqual([10, 20, 30, 40]);
    expect(c.groups).toEqual([[1], [2, 3, 4]]);
  });

  it('stops a group at the maximum weight, but always takes one batch', async () => {
    const c = controlledCommit();
    const group = new GroupCommit(c.commit, 5, (n) => n);
    const results = [9, 2, 2, 2, 7].map((i) => group.submit(i));
    for (let i = 0; i < 4; i++) await c.finishNext();
    await Promise.all(results);
    expect(c.groups).toEqual([[9], [2, 2], [2], [7]]);
  });

  it('splits a failed group: each batch is committed alone and only the bad one fails', async () => {
    const c = controlledCommit((items) => items.includes(3));
    const group = new GroupCommit(c.commit, 100, () => 1);
    const results = [1, 2, 3, 4].map((i) => group.submit(i).then(String, (err: Error) => err.message));
    for (let i = 0; i < 6; i++) await c.finishNext();
    expect(await Promise.all(results)).toEqual(['10', '20', 'failed 3', '40']);
    expect(c.groups).toEqual([[1], [2, 3, 4], [2], [3], [4]]);
    expect(group.state).toBe('idle');
  });

  it('settles every batch exactly once and never runs two transactions at a time (random schedules)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.record({ weight: fc.integer({ min: 1, max: 6 }), bad: fc.boolean(), delay: fc.nat(3) }), {
          minLength: 1,
          maxLength: 25,
        }),
        fc.integer({ min: 1, max: 12 }),
        async (batches, maxWeight) => {
          let inFlight = 0;
          let maxInFlight = 0;
          const commit = async (items: number[]) => {
            inFlight++;
            maxInFlight = Math.max(maxInFlight, inFlight);
            await tick();
            inFlight--;
            if (items.some((i) => batches[i]!.bad)) throw new Error('bad');
            return items.map((i) => i);
          };
          const group = new GroupCommit(commit, maxWeight, (i) => batches[i]!.weight);
          const settled = await Promise.all(
            batches.map(async (b, i) => {
              for (let d = 0; d < b.delay; d++) await tick();
              return group.submit(i).then(
                (r) => ({ ok: true, r }),
                () => ({ ok: false, r: i }),
              );
            }),
          );
          expect(maxInFlight).toBe(1);
          settled.forEach((s, i) => {
            expect(s.r).toBe(i);
            expect(s.ok).toBe(!batches[i]!.bad);
          });
          expect(group.state).toBe('idle');
        },
      ),
      { seed: 2207, numRuns: 200 },
    );
  });
});
