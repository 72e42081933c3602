/**
 * The write side's highest outbox position as the projector last read it, and fresh reads of it
 * shared by every shard.
 *
 * Why fresh: a real event's position was drawn and committed before Debezium could publish it, so
 * any read of the write side made after the message arrived is at or above it. A mark read
 * earlier is not: live, nearly every new event is above the last mark read. So a position above
 * `known()` proves nothing until a read started after its message arrived says the same.
 *
 * State, visible: `known` (the highest mark read so far; marks only grow) and the read in flight
 * with the time it started. A batch that needs a mark read since time T joins the read in flight
 * if that started at or after T, and starts its own otherwise (never waiting on an older read,
 * whose answer could not do).
 */
export interface OutboxMark {
  /** The highest position read so far; 0 before the first read. */
  known(): number;
  /** A mark from a read that started at or after `since` (ms since the epoch); `known()` is then at least that. */
  readSince(since: number): Promise<number>;
  /** For tests and logs: the state as it is. */
  state(): { known: number; inFlightSince: number | undefined };
}

export function outboxMark(read: () => Promise<number>, clock: () => number = Date.now): OutboxMark {
  let known = 0;
  let inFlight: { startedAt: number; answer: Promise<number> } | undefined;
  return {
    known: () => known,
    readSince(since) {
      if (inFlight && inFlight.startedAt >= since) return inFlight.answer;
      const startedAt = clock();
      const answer = read().then((mark) => {
        known = Math.max(known, mark);
        return known;
      });
      const current = { startedAt, answer };
      inFlight = current;
      // Forgotten once settled (a failed read is not kept: the next batch tries again).
      void answer.then(
        () => inFlight === current && (inFlight = undefined),
        () => inFlight === current && (inFlight = undefined),
      );
      return answer;
    },
    state: () => ({ known, inFlightSince: inFlight?.startedAt }),
  };
}
