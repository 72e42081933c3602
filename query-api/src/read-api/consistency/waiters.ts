/**
 * The requests waiting for their writes to be applied, each for a set of event ids. Pure: the
 * watch (applied-watch.ts) asks which ids to look up and hands back those found applied.
 *
 *   waiting --every id applied--> applied
 *   waiting --its bound passed---> timed out
 *   waiting --client went away---> abandoned
 */
export type WaitOutcome = 'applied' | 'timed out' | 'abandoned';

interface Waiter {
  missing: Set<string>;
  settle(outcome: WaitOutcome): void;
}

/** Every place is taken: a request more would wait, and be looked up, with the rest. */
export class TooManyWaiters extends Error {
  constructor(max: number) {
    super(`${max} requests wait for their writes already, the most at once (CONSISTENCY_MAX_WAITERS): try again shortly`);
    this.name = 'TooManyWaiters';
  }
}

export class Waiters {
  private readonly waiting = new Set<Waiter>();
  /** Where the next lookup starts (an index into the waiters, in the order they came). */
  private turn = 0;

  /** At most `max` waiters at once: tokens anyone can forge must not pile them up without bound. */
  constructor(private readonly max = Infinity) {}

  get size(): number {
    return this.waiting.size;
  }

  /**
   * Adds a waiter; returns its promise and a function that ends it early (timeout, abandon).
   * Throws TooManyWaiters when every place is taken.
   */
  add(eventIds: readonly string[]): { outcome: Promise<WaitOutcome>; end(outcome: WaitOutcome): void } {
    if (this.waiting.size >= this.max) throw new TooManyWaiters(this.max);
    let settle!: (outcome: WaitOutcome) => void;
    const outcome = new Promise<WaitOutcome>((resolve) => (settle = resolve));
    const waiter: Waiter = {
      missing: new Set(eventIds),
      settle: (o) => {
        if (!this.waiting.delete(waiter)) return;
        settle(o);
      },
    };
    this.waiting.add(waiter);
    if (waiter.missing.size === 0) waiter.settle('applied');
    return { outcome, end: (o) => waiter.settle(o) };
  }

  /**
   * Ids some waiter still misses (what to look up), at most `limit` of them, taken one from each
   * waiter in turn: waiters naming many ids (forged tokens name up to 200 unknown ones) cannot fill
   * the lookup and starve one that names a few. The next lookup starts after the last waiter this
   * one took a first id from, so every waiter is looked up even when there are more of them than
   * a lookup holds ids.
   */
  missingIds(limit: number): string[] {
    const waiters = [...this.waiting];
    if (waiters.length === 0) return [];
    const start = this.turn % waiters.length;
    this.turn = (start + Math.min(limit, waiters.length)) % waiters.length;
    let rounds = [...waiters.slice(start), ...waiters.slice(0, start)].map((w) => w.missing.values());
    const ids = new Set<string>();
    while (rounds.length > 0 && ids.size < limit) {
      const unfinished = [];
      for (const next of rounds) {
        const id = next.next();
        if (id.done) continue;
        ids.add(id.value);
        if (ids.size >= limit) break;
        unfinished.push(next);
      }
      rounds = unfinished;
    }
    return [...ids];
  }

  /** Records ids found applied; settles every waiter that misses none any more. */
  applied(found: ReadonlySet<string>): void {
    for (const waiter of [...this.waiting]) {
      for (const id of found) waiter.missing.delete(id);
      if (waiter.missing.size === 0) waiter.settle('applied');
    }
  }
}
