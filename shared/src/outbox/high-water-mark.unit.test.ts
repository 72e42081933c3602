import { describe, expect, it, vi } from 'vitest';
import {
  blockedMessage,
  MAX_PENDING_CANDIDATES,
  stillRunning,
  trackerStep,
  waitUntilEnded,
  type MarkCandidate,
  type OutboxLocker,
  type TrackerState,
} from './high-water-mark.ts';

const a: OutboxLocker = { vxid: '3/17', pid: 4101 };
const b: OutboxLocker = { vxid: '4/9', pid: 4102 };
const prepared: OutboxLocker = { vxid: '-1/917', pid: null };
const running = (...lockers: OutboxLocker[]) => new Set(lockers.map((l) => l.vxid));
const candidate = (mark: number, ...lockers: OutboxLocker[]): MarkCandidate => ({ mark, lockers });
const empty: TrackerState = { safe: null, pending: [] };

describe('stillRunning', () => {
  it('keeps exactly the lockers whose transaction was found running', () => {
    expect(stillRunning([a, b, prepared], running(b, prepared))).toEqual([b, prepared]);
  });
  it('a backend that has moved on to a new transaction (new vxid, same pid) no longer counts', () => {
    expect(stillRunning([a], new Set(['3/18']))).toEqual([]);
  });
});

describe('waitUntilEnded', () => {
  it('returns at once without asking when there is no locker', async () => {
    const probe = vi.fn(async () => new Set<string>());
    expect(await waitUntilEnded([], probe)).toMatchObject({ open: [] });
    expect(probe).not.toHaveBeenCalled();
  });

  it('asks again, only about those still open, until none runs; says once that it waits', async () => {
    const answers = [running(a, b), running(b), running()];
    const probe = vi.fn(async (_vxids: string[]) => answers.shift()!);
    const onBlocked = vi.fn();
    const result = await waitUntilEnded([a, b], probe, { pollMs: 1, onBlocked });
    expect(result.open).toEqual([]);
    expect(probe.mock.calls.map(([vxids]) => vxids)).toEqual([['3/17', '4/9'], ['3/17', '4/9'], ['4/9']]);
    expect(onBlocked).toHaveBeenCalledTimes(1);
    expect(onBlocked).toHaveBeenCalledWith([a, b]);
  });

  it('gives up at the timeout and names those still open', async () => {
    const probe = async () => running(b);
    const result = await waitUntilEnded([a, b], probe, { pollMs: 5, timeoutMs: 30 });
    expect(result.open).toEqual([b]);
    expect(result.waitedMs).toBeGreaterThanOrEqual(30);
  });
});

describe('blockedMessage', () => {
  it('names the mark, the wait and every blocking backend', () => {
    expect(blockedMessage(812, [a, prepared], 30_000)).toBe(
      'outbox high-water mark 812: write transactions still open on the outbox after 30000 ms ' +
        '(pid 4101, prepared transaction -1/917) may still add events below it; let them finish or end them ' +
        '(pg_terminate_backend), then retry',
    );
  });
});

describe('trackerStep (the non-blocking high-water mark)', () => {
  it('a candidate without lockers is safe at once', () => {
    expect(trackerStep(empty, candidate(10), running())).toEqual({ safe: 10, pending: [] });
  });

  it('never reports a mark while a transaction that may still write below it runs', () => {
    const step1 = trackerStep(empty, candidate(10, a), running(a));
    expect(step1).toEqual({ safe: null, pending: [candidate(10, a)] });
    const step2 = trackerStep(step1, candidate(12, a, b), running(a, b));
    expect(step2.safe).toBeNull();
    // a ends: 12 still waits for b, but 10 is settled.
    const step3 = trackerStep(step2, candidate(13, b), running(b));
    expect(step3).toEqual({ safe: 10, pending: [candidate(12, a, b), candidate(13, b)] });
  });

  it('reports the newest settled candidate and forgets the older ones', () => {
    const state: TrackerState = { safe: 5, pending: [candidate(10, a), candidate(12, b)] };
    expect(trackerStep(state, candidate(14, a), running(a))).toEqual({ safe: 12, pending: [candidate(14, a)] });
  });

  it('keeps advancing when every new candidate has a fresh locker (writes longer than the interval)', () => {
    // Overlapping long writes: each candidate's locker is still open at the next step, and ends by
    // the one after. Replacing the candidate at each step would never settle one.
    const lockers = Array.from({ length: 6 }, (_, i) => ({ vxid: `${i}/1`, pid: 5000 + i }));
    let state = empty;
    const safe: (number | null)[] = [];
    for (let i = 0; i < lockers.length; i++) {
      const open = [lockers[i]!, ...(i > 0 ? [lockers[i - 1]!] : [])];
      state = trackerStep(state, candidate(100 + i, lockers[i]!), running(...open));
      safe.push(state.safe);
    }
    expect(safe).toEqual([null, null, 100, 101, 102, 103]);
  });

  it('bounds the pending list and still settles its oldest candidate', () => {
    let state = empty;
    for (let i = 0; i < MAX_PENDING_CANDIDATES + 5; i++)
      state = trackerStep(state, candidate(i, a, { vxid: `x/${i}`, pid: i }), running(a));
    expect(state.pending).toHaveLength(MAX_PENDING_CANDIDATES);
    expect(state.pending[0]!.mark).toBe(0);
    expect(state.pending.at(-1)!.mark).toBe(MAX_PENDING_CANDIDATES + 4);
    // a ends, the x/* lockers of the kept candidates run on except the first one's.
    const stillOpen = new Set(state.pending.slice(1).map((c) => c.lockers[1]!.vxid));
    expect(trackerStep(state, candidate(99, b), new Set([...stillOpen, b.vxid])).safe).toBe(0);
  });

  it('never goes back, even if max(position) does (rows archived)', () => {
    expect(trackerStep({ safe: 50, pending: [] }, candidate(40), running()).safe).toBe(50);
  });
});
