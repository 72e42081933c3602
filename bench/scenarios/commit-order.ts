/** How a window's events were ordered, by commit, by position and by arrival. */
export interface CommitOrder {
  events: number;
  /** Events that committed before an event with a lower position: the case that trips position-based relays. */
  committedOutOfPositionOrder: number;
  /** Events that arrived at the broker after an event that committed later than they did. */
  arrivedOutOfCommitOrder: number;
  /** Events committed in the window that never arrived at the broker. */
  missed: number;
}

/**
 * Counts, for the events of one window, those out of commit order. An event is "out of order" in
 * a sequence when some event before it in that sequence committed strictly later (same-commit
 * events, one transaction's, are never counted). Pure, for unit tests.
 */
export function commitOrder(
  events: { id: string; position: number; committedAt: number }[],
  arrivals: [string, number][],
): CommitOrder {
  const committed = new Map(events.map((e) => [e.id, e.committedAt]));
  const byPosition = [...events].sort((a, b) => a.position - b.position).map((e) => e.committedAt);
  const arrived = firstArrivals(arrivals);
  const byArrival = [...arrived.keys()].flatMap((id) => (committed.has(id) ? [committed.get(id)!] : []));
  return {
    events: events.length,
    committedOutOfPositionOrder: outOfOrder(byPosition),
    arrivedOutOfCommitOrder: outOfOrder(byArrival),
    missed: events.filter((e) => !arrived.has(e.id)).length,
  };
}

/**
 * The most events with a higher position that committed before one of `ids` did: how far out of
 * position order the worst of those transactions committed. Pure, for unit tests.
 */
export function overtaken(events: { id: string; position: number; committedAt: number }[], ids: Set<string>): number {
  let most = 0;
  for (const late of events) {
    if (!ids.has(late.id)) continue;
    const n = events.filter((e) => e.position > late.position && e.committedAt < late.committedAt).length;
    most = Math.max(most, n);
  }
  return most;
}

/** Each id's first arrival (a redelivered duplicate arrives again), in arrival order. */
export function firstArrivals(arrivals: [string, number][]): Map<string, number> {
  const first = new Map<string, number>();
  for (const [id, at] of arrivals) if (!first.has(id)) first.set(id, at);
  return first;
}

/** Elements preceded by a strictly greater one. */
function outOfOrder(values: number[]): number {
  let max = Number.NEGATIVE_INFINITY;
  let count = 0;
  for (const v of values) {
    if (v < max) count++;
    else max = v;
  }
  return count;
}
