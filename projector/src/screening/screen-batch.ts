import { setTimeout as sleep } from 'node:timers/promises';
import type { KnownEvent } from '@shop/shared/events';
import type { CopyCheck } from '../projection/apply-batch.ts';
import { isTransient } from '../projection/transient.ts';
import { TransientFailure } from '@shop/shared/consumer';
import type { OutboxMark } from './outbox-mark.ts';
import { screenEvents } from './plausibility.ts';

/**
 * What a message from the broker is checked against before it is applied (the broker is a trust
 * boundary, docs/guarantees.md): the projector's clock, the write side's highest position, and
 * for a message carrying a dead letter's id, the event's outbox row.
 */
export interface Screening {
  /** How far ahead of the projector's clock an event's instants may be (PROJECTOR_MAX_CLOCK_SKEW_MS). */
  maxClockSkewMs: number;
  mark: OutboxMark;
  checkCopies: CopyCheck;
}

/**
 * A position still above a fresh mark is read for once more after this pause before its message
 * is parked. The position sequence never lags a commit, but the fallback source (the log's own
 * maxima, outbox-log.ts) can: a commit is in the WAL, and so can reach Debezium, a moment before
 * other sessions see it (much longer with synchronous replication). Only such messages wait: a
 * forgery holds its shard for this long, nothing more.
 */
const RECHECK_PAUSE_MS = 250;

/**
 * A batch's screening against the projector's clock and the write side's highest position.
 * Checks in memory first, against the highest position read so far; only when some position is
 * above it (live, most new events are) is the write side read, once for every shard waiting on
 * it, and a message is parked for its position only if a read made after it arrived says so.
 */
export function screenBatch(screening: Screening) {
  async function freshMark(since: number): Promise<number> {
    try {
      return await screening.mark.readSince(since);
    } catch (err) {
      throw isTransient(err) ? new TransientFailure(err, 'write database') : err;
    }
  }

  return async function screen(events: KnownEvent[], receivedAt: number) {
    const bounds = (highestPosition: number) => ({ now: Date.now(), maxClockSkewMs: screening.maxClockSkewMs, highestPosition });
    let screened = screenEvents(events, bounds(screening.mark.known()));
    if (screened.needsFreshMark) screened = screenEvents(events, bounds(await freshMark(receivedAt)));
    if (screened.needsFreshMark) {
      await sleep(RECHECK_PAUSE_MS);
      screened = screenEvents(events, bounds(await freshMark(Date.now())));
    }
    return screened;
  };
}
