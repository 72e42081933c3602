import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Waiters, type WaitOutcome } from './waiters.ts';

const settled = async (p: Promise<WaitOutcome>) =>
  Promise.race([p, new Promise<'pending'>((r) => setTimeout(() => r('pending'), 0))]);

describe('Waiters', () => {
  it('settles a waiter once every one of its events is applied, in any order of arrival', async () => {
    const waiters = new Waiters();
    const a = waiters.add(['e1', 'e2']);
    const b = waiters.add(['e2']);
    expect(waiters.missingIds(10).sort()).toEqual(['e1', 'e2']);
    waiters.applied(new Set(['e2']));
    expect(await settled(b.outcome)).toBe('applied');
    expect(await settled(a.outcome)).toBe('pending');
    expect(waiters.missingIds(10)).toEqual(['e1']);
    waiters.applied(new Set(['e1', 'unrelated']));
    expect(await settled(a.outcome)).toBe('applied');
    expect(waiters.size).toBe(0);
  });

  it('ends a waiter once: a timeout after it is applied changes nothing, and the reverse', async () => {
    const waiters = new Waiters();
    const a = waiters.add(['e1']);
    a.end('timed out');
    waiters.applied(new Set(['e1']));
    expect(await a.outcome).toBe('timed out');
    const b = waiters.add(['e2']);
    waiters.applied(new Set(['e2']));
    b.end('abandoned');
    expect(await b.outcome).toBe('applied');
    expect(waiters.size).toBe(0);
  });

  it('for any arrival of applied ids, settles exactly the waiters whose ids all arrived', () => {
    fc.assert(
      fc.property(
        fc.array(fc.uniqueArray(fc.integer({ min: 0, max: 20 }), { minLength: 1, maxLength: 5 }), { maxLength: 10 }),
        fc.array(fc.uniqueArray(fc.integer({ min: 0, max: 20 }), { maxLength: 8 }), { maxLength: 6 }),
        (wanted, arrivals) => {
          const waiters = new Waiters();
          for (const ids of wanted) waiters.add(ids.map(String));
          const arrived = new Set<string>();
          for (const batch of arrivals) {
            batch.forEach((id) => arrived.add(String(id)));
            waiters.applied(new Set(batch.map(String)));
          }
          const expectedPending = wanted.filter((ids) => !ids.every((id) => arrived.has(String(id)))).length;
          expect(waiters.size).toBe(expectedPending);
          // What is still looked up is exactly what some pending waiter has not seen arrive.
          const stillWanted = new Set(
            wanted
              .filter((ids) => !ids.every((id) => arrived.has(String(id))))
              .flat()
              .map(String),
          );
          expect(new Set(waiters.missingIds(1000))).toEqual(new Set([...stillWanted].filter((id) => !arrived.has(id))));
        },
      ),
    );
  });

  it('bounds one lookup to the limit', () => {
    const waiters = new Waiters();
    for (let i = 0; i < 50; i++) waiters.add([`a${i}`, `b${i}`]);
    expect(waiters.missingIds(30)).toHaveLength(30);
  });
});
