import { describe, expect, it } from 'vitest';
import { Wakeup } from './wakeup.ts';

const within = async (p: Promise<unknown>, ms: number) =>
  Promise.race([p.then(() => 'woken'), new Promise((r) => setTimeout(() => r('timed out'), ms))]);

describe('Wakeup', () => {
  it('wakes a waiter when notified', async () => {
    const w = new Wakeup();
    const waiting = w.wait(1_000);
    w.notify();
    expect(await within(waiting, 100)).toBe('woken');
  });

  it('keeps a notification that arrives while nobody waits (the relay was draining)', async () => {
    const w = new Wakeup();
    w.notify();
    expect(await within(w.wait(1_000), 100)).toBe('woken');
  });

  it('does not wake twice for one notification', async () => {
    const w = new Wakeup();
    w.notify();
    await w.wait(1_000);
    expect(await within(w.wait(1_000), 100)).toBe('timed out');
  });

  it('returns after the timeout when nothing is notified', async () => {
    const w = new Wakeup();
    const started = Date.now();
    await w.wait(50);
    expect(Date.now() - started).toBeGreaterThanOrEqual(45);
  });
});
