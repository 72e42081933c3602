import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { TooManyWaiters, Waiters, type WaitOutcome } from './waiters.ts';

const settled = async (p: Promise<WaitOutcome>) =>
  Promise.race([p, new Promise<'pending'>((r) => setTimeout(() => r('pending'), 0))]);

describe('Waiters: settling', () => {
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
});

describe('Waiters: the lookup and the cap', () => {
  it('bounds one lookup to the limit', () => {
    const waiters = new Waiters();
    for (let i = 0; i < 50; i++) waiters.add([`a${i}`, `b${i}`]);
    expect(waiters.missingIds(30)).toHaveLength(30);
  });

  it('looks up a waiter naming two ids even behind 200 waiters naming 200 each (forged tokens)', () => {
    const waiters = new Waiters();
    for (let t = 0; t < 200; t++) waiters.add(Array.from({ length: 200 }, (_, i) => `forged-${t}-${i}`));
    waiters.add(['real-1', 'real-2']);
    const lookup = waiters.missingIds(5_000);
    expect(lookup).toHaveLength(5_000);
    expect(lookup.filter((id) => id.startsWith('real'))).toEqual(['real-1', 'real-2']);
  });

  it('gives every waiter its turn when one lookup cannot hold an id of each', () => {
    const waiters = new Waiters();
    for (let w = 0; w < 10; w++) waiters.add([`w${w}-a`, `w${w}-b`]);
    const seen = new Set<string>();
    for (let lookup = 0; lookup < 4; lookup++) for (const id of waiters.missingIds(3)) seen.add(id.split('-')[0]!);
    expect(seen.size).toBe(10);
  });

  it('refuses a waiter past its cap, and takes one again once a place is free', async () => {
    const waiters = new Waiters(2);
    const a = waiters.add(['e1']);
    waiters.add(['e2']);
    expect(() => waiters.add(['e3'])).toThrow(TooManyWaiters);
    expect(waiters.size).toBe(2);
    a.end('timed out');
    const c = waiters.add(['e3']);
    waiters.applied(new Set(['e3']));
    expect(await settled(c.outcome)).toBe('applied');
  });
});
