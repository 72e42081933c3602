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

export class Waiters {
  private readonly waiting = new Set<Waiter>();

  get size(): number {
    return this.waiting.size;
  }

  /** Adds a waiter; returns its promise and a function that ends it early (timeout, abandon). */
  add(eventIds: readonly string[]): { outcome: Promise<WaitOutcome>; end(outcome: WaitOutcome): void } {
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

  /** Every id some waiter still misses (what to look up), at most `limit` of them. */
  missingIds(limit: number): string[] {
    const ids = new Set<string>();
    for (const waiter of this.waiting)
      for (const id of waiter.missing) {
        if (ids.size >= limit) return [...ids];
        ids.add(id);
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
