import { parseInstant, type KnownEvent } from '@shop/shared/events';

/**
 * The broker is a trust boundary (docs/guarantees.md): whoever can publish to the events exchange
 * can hand the projector a message that decodes perfectly. Decoding bounds what SQL would refuse;
 * these checks bound what the read side would wrongly keep for good:
 *
 * - an instant far in the future: the catalog keeps the newest state of a product by occurred-at,
 *   so a ProductUpdated from year 9999 would win over every real update after it (the product is
 *   frozen), and a placedAt from then would hold a customer's last order date;
 * - a position above every position the write side has drawn: the inbox keeps each shard's
 *   highest applied position, which only grows, and the reconciler takes an event below it as
 *   passed by its shard, so one such message would make every later in-flight event look missing.
 *
 * Pure: the projector's clock and the write side's highest position come in as `Bounds`.
 */

export interface Bounds {
  /** The projector's clock, in ms since the epoch. */
  now: number;
  /** How far ahead of `now` an instant may be (the write side's clock may run ahead of ours). */
  maxClockSkewMs: number;
  /** A position the write side has drawn (0 when none is known yet): an upper bound of every real event's position when read after it. */
  highestPosition: number;
}

/**
 * Why an event is not to be applied. `future` is final. `above-mark` is final only when
 * `highestPosition` was read after the event arrived: against an older mark a real new event
 * looks the same, so the caller reads a fresh one and asks again.
 */
export type Doubt = { kind: 'future'; reason: string } | { kind: 'above-mark'; reason: string };

export function doubtAbout(event: KnownEvent, bounds: Bounds): Doubt | undefined {
  const latest = bounds.now + bounds.maxClockSkewMs;
  for (const [name, at] of instantsOf(event)) {
    if (at.getTime() > latest) {
      const skew = `${Math.round(bounds.maxClockSkewMs / 1000)} s`;
      return {
        kind: 'future',
        reason: `untrusted: ${name} ${at.toISOString()} is more than ${skew} ahead of this projector's clock (PROJECTOR_MAX_CLOCK_SKEW_MS)`,
      };
    }
  }
  if (event.position !== null && event.position > bounds.highestPosition) {
    return {
      kind: 'above-mark',
      reason: `untrusted: position ${event.position} is above the outbox's highest position ${bounds.highestPosition}`,
    };
  }
  return undefined;
}

/** The batch's events with their doubts; `needsFreshMark` when some doubt is only that the mark may be old. */
export function screenEvents(events: readonly KnownEvent[], bounds: Bounds) {
  const trusted: KnownEvent[] = [];
  const doubted: { event: KnownEvent; doubt: Doubt }[] = [];
  for (const event of events) {
    const doubt = doubtAbout(event, bounds);
    if (doubt) doubted.push({ event, doubt });
    else trusted.push(event);
  }
  return { trusted, doubted, needsFreshMark: doubted.some((d) => d.doubt.kind === 'above-mark') };
}

/** Every instant an event carries that a read model keeps: its occurred-at, and an order's placement or cancel time. */
function instantsOf(event: KnownEvent): [string, Date][] {
  const instants: [string, Date][] = [['occurredAt', event.occurredAt]];
  // The payload's instants are text the decoder has checked, so they parse.
  if (event.type === 'OrderPlaced') instants.push(['placedAt', parseInstant(event.payload.placedAt)!]);
  if (event.type === 'OrderCancelled') instants.push(['cancelledAt', parseInstant(event.payload.cancelledAt)!]);
  return instants;
}
