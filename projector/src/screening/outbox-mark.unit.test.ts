import { describe, expect, it } from 'vitest';
import { outboxMark } from './outbox-mark.ts';

/** A read of the write side that answers when the test says. */
function reads() {
  const pending: { resolve: (mark: number) => void; reject: (err: Error) => void }[] = [];
  const read = () => new Promise<number>((resolve, reject) => pending.push({ resolve, reject }));
  return { read, pending };
}

describe('outboxMark: fresh reads of the write side shared by the shards', () => {
  it('knows 0 before any read, then the highest mark read: marks never go down', async () => {
    const { read, pending } = reads();
    let now = 1000;
    const mark = outboxMark(read, () => now);
    expect(mark.known()).toBe(0);
    const first = mark.readSince(1000);
    pending[0]!.resolve(40);
    expect(await first).toBe(40);
    now = 2000;
    const second = mark.readSince(2000);
    pending[1]!.resolve(30);
    expect(await second).toBe(40);
    expect(mark.known()).toBe(40);
    expect(mark.state()).toEqual({ known: 40, inFlightSince: undefined });
  });

  it('joins a read in flight that started at or after the time asked for', async () => {
    const { read, pending } = reads();
    const mark = outboxMark(read, () => 1000);
    const first = mark.readSince(900);
    const joined = mark.readSince(1000);
    expect(pending).toHaveLength(1);
    pending[0]!.resolve(7);
    expect([await first, await joined]).toEqual([7, 7]);
  });

  it('never answers from a read that started before: a real event that arrived meanwhile could be above it', async () => {
    const { read, pending } = reads();
    let now = 1000;
    const mark = outboxMark(read, () => now);
    const older = mark.readSince(1000);
    now = 1001;
    const newer = mark.readSince(1001);
    expect(pending).toHaveLength(2);
    expect(mark.state().inFlightSince).toBe(1001);
    pending[1]!.resolve(12);
    pending[0]!.resolve(11);
    expect([await older, await newer]).toEqual([12, 12]);
  });

  it('forgets a failed read: the next batch reads again', async () => {
    const { read, pending } = reads();
    const mark = outboxMark(read, () => 1000);
    const failing = mark.readSince(1000);
    pending[0]!.reject(new Error('connection refused'));
    await expect(failing).rejects.toThrow('connection refused');
    await Promise.resolve();
    expect(mark.state().inFlightSince).toBeUndefined();
    const again = mark.readSince(1000);
    pending[1]!.resolve(5);
    expect(await again).toBe(5);
  });
});
