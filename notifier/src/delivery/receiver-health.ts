/**
 * Whether the receiver looks down, from the events parked in a row (every shard's, together).
 *
 * An event whose attempts ran out on retryable failures (network errors, timeouts, 5xx, 429) is
 * parked and its shard moves on: one bad event must not stop the others. But when the receiver
 * itself is down, every event would be parked in turn, and an operator would have to re-drive the
 * whole outage, out of order. So after `pauseAfter` such parks in a row the receiver is taken to
 * be down: the shards stop parking and keep retrying their next event (at most every
 * NOTIFIER_RETRY_MAX_MS) until one is delivered, which closes the pause. A refusal (a 4xx) is an
 * answer: the receiver is up, and the count starts again.
 */
export interface ReceiverHealth {
  /** Events parked in a row for retryable failures. */
  parkedInARow: number;
  pauseAfter: number;
}

export type ReceiverEvent = 'delivered' | 'refused' | 'parked-retryable';

export const receiverHealth = (pauseAfter: number): ReceiverHealth => ({ parkedInARow: 0, pauseAfter });

export function receiverStep(state: ReceiverHealth, event: ReceiverEvent): ReceiverHealth {
  if (event === 'parked-retryable') return { ...state, parkedInARow: state.parkedInARow + 1 };
  return { ...state, parkedInARow: 0 };
}

/** Paused: an event whose attempts ran out on retryable failures is not parked but retried on. */
export const isPaused = (state: ReceiverHealth): boolean => state.pauseAfter > 0 && state.parkedInARow >= state.pauseAfter;
