import { HEADERS, headerText, MAX_REASON_LENGTH } from '../events/index.ts';
import { toStorableText } from '../text.ts';

export { MAX_REASON_LENGTH };

/** A row of `read.dead_letters`, every value within its column's type. */
export interface DeadLetterRecord {
  eventId: string;
  /** The outbox position as decimal text, exact over the whole bigint range; null when the message has no usable one. */
  position: string | null;
  reason: string;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const MAX_BIGINT = 9_223_372_036_854_775_807n;

/**
 * What to note about a message being dead-lettered, from whatever it carries. Must accept any
 * message: it runs before the dead letter is published, and a note that fails to insert leaves
 * the message unsettled and out of the DLQ. Messages without a usable event id cannot be matched
 * to the outbox and are not noted (undefined).
 */
export function deadLetterRecord(headers: Record<string, unknown>, reason: string): DeadLetterRecord | undefined {
  const eventId = headerText(headers[HEADERS.eventId]);
  if (eventId === undefined || !UUID.test(eventId)) return undefined;
  return { eventId, position: bigintPosition(headers[HEADERS.position]), reason: storableReason(reason) };
}

/**
 * A position header as the text of a Postgres bigint (1 to 2^63 - 1), kept as text so positions
 * beyond 2^53 stay exact; anything else (a fraction, an exponent, a number already rounded, out of
 * range) is unknown: the note is still worth having without it.
 */
export function bigintPosition(value: unknown): string | null {
  const text = headerText(value);
  // 19 digits hold every bigint; a longer run of digits cannot be one (and BigInt() of it would be wasted work).
  if (text === undefined || !/^\d{1,19}$/.test(text)) return null;
  const position = BigInt(text);
  return position >= 1n && position <= MAX_BIGINT ? position.toString() : null;
}

/**
 * A reason as `dead_letters.reason` and the DLQ header take it: no NUL (Postgres text refuses it),
 * no lone surrogate (it would be stored altered), at most MAX_REASON_LENGTH characters (it may
 * quote an error about a megabyte of input), never empty (the column is NOT NULL, and an empty
 * reason tells an operator nothing).
 */
export function storableReason(reason: string): string {
  return toStorableText(reason, MAX_REASON_LENGTH) || 'no reason given';
}
