/**
 * The Consistency-Token a command answers with, and the query API takes back to answer only once
 * the read models include that write (read-your-writes). It names the write's outbox events, which
 * the read side records in its inbox as it applies them, so "included" is exact, whatever shard,
 * projector instance or restart applied them:
 *
 *   ct1.<source>.<issued>.<events>
 *
 * - `source`: 16 hex digits naming the write database (its pipeline identity, migration 007 of
 *   the command API): a token of another deployment is refused, not waited for in vain;
 * - `issued`: when the command committed, Unix seconds in base 36 (a token older than the inbox's
 *   retention names events that may have been pruned since);
 * - `events`: the event ids, 16 bytes each, base64url.
 */
export const TOKEN_VERSION = 'ct1';
/** At most this many events per token (an order of 100 lines writes 101): the header stays under 4.3 kB. */
export const MAX_TOKEN_EVENTS = 200;
/**
 * The longest token: version, a 16-digit source, up to 8 base-36 digits, MAX_TOKEN_EVENTS ids in
 * base64url, three dots. Derived, not a round 4096, which refused the tokens of more than 190 events
 * that encodeToken writes.
 */
const MAX_TOKEN_LENGTH = TOKEN_VERSION.length + 16 + 8 + Math.ceil((MAX_TOKEN_EVENTS * 16 * 4) / 3) + 3;

export interface ConsistencyToken {
  source: string;
  issuedAt: Date;
  eventIds: string[];
}

export type TokenRead = { ok: true; token: ConsistencyToken } | { ok: false; problem: 'malformed' | 'foreign'; message: string };

const SOURCE = /^[0-9a-f]{16}$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** The source part for a pipeline identity (a UUID): its first 16 hex digits. */
export const tokenSource = (identity: string) => identity.replaceAll('-', '').slice(0, 16).toLowerCase();

export function encodeToken(token: ConsistencyToken): string {
  if (!SOURCE.test(token.source)) throw new Error(`not a token source: ${token.source}`);
  if (token.eventIds.length === 0 || token.eventIds.length > MAX_TOKEN_EVENTS)
    throw new Error(`a token names 1 to ${MAX_TOKEN_EVENTS} events, not ${token.eventIds.length}`);
  const ids = Buffer.concat(
    token.eventIds.map((id) => {
      if (!UUID.test(id)) throw new Error(`not an event id: ${id}`);
      return Buffer.from(id.replaceAll('-', ''), 'hex');
    }),
  );
  const issued = Math.floor(token.issuedAt.getTime() / 1000).toString(36);
  return `${TOKEN_VERSION}.${token.source}.${issued}.${ids.toString('base64url')}`;
}

/** Reads a token sent back by a client; never throws. */
export function decodeToken(text: string, expectedSource: string): TokenRead {
  const malformed = (why: string): TokenRead => ({
    ok: false,
    problem: 'malformed',
    message: `malformed Consistency-Token: ${why}`,
  });
  if (text.length > MAX_TOKEN_LENGTH) return malformed(`longer than ${MAX_TOKEN_LENGTH} characters`);
  const parts = text.split('.');
  if (parts.length !== 4 || parts[0] !== TOKEN_VERSION) return malformed(`expected ${TOKEN_VERSION}.<source>.<issued>.<events>`);
  const [, source, issued, events] = parts as [string, string, string, string];
  if (!SOURCE.test(source)) return malformed('the source is not 16 hex digits');
  if (!/^[0-9a-z]{1,8}$/.test(issued)) return malformed('the issue time is not base-36 seconds');
  if (!/^[A-Za-z0-9_-]+$/.test(events)) return malformed('the events are not base64url');
  const bytes = Buffer.from(events, 'base64url');
  if (
    bytes.length === 0 ||
    bytes.length % 16 !== 0 ||
    bytes.length / 16 > MAX_TOKEN_EVENTS ||
    bytes.toString('base64url') !== events
  )
    return malformed(`the events are not 1 to ${MAX_TOKEN_EVENTS} ids of 16 bytes`);
  if (source !== expectedSource)
    return {
      ok: false,
      problem: 'foreign',
      message: 'this Consistency-Token was issued by another pipeline (another write database)',
    };
  const eventIds: string[] = [];
  for (let i = 0; i < bytes.length; i += 16) {
    const hex = bytes.subarray(i, i + 16).toString('hex');
    eventIds.push(`${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`);
  }
  return { ok: true, token: { source, issuedAt: new Date(parseInt(issued, 36) * 1000), eventIds } };
}

/**
 * The channel the projector notifies in each batch transaction that applied events: a waiting
 * query API checks its waiting tokens once per notification (never per request in a loop).
 */
export const APPLIED_CHANNEL = 'read_models_applied';
