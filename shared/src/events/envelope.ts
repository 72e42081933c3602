import { z } from 'zod';
import { decodeUtf8, isStorableText, STORABLE_TEXT_MESSAGE, toStorableText } from '../text.ts';
import { readHeader } from './headers.ts';
import { INSTANT_MESSAGE, isAcceptedInstant, parseInstant } from './instant.ts';
import { MAX_BODY_BYTES, MAX_HEADER_LENGTH, MAX_INT32, MAX_POSITION, MAX_REASON_LENGTH } from './limits.ts';
import { eventVersions, isKnownEventType, schemaOf, type EventPayload, type EventType } from './schemas.ts';
import { foreignCurrency, upcast, type EventReader } from './upcast.ts';

export { headerText, readHeader, type HeaderRead } from './headers.ts';

/** AMQP header names set by Debezium's outbox EventRouter (see debezium/config/application.properties). */
export const HEADERS = {
  eventId: 'id',
  eventType: 'eventType',
  schemaVersion: 'schemaVersion',
  occurredAt: 'occurredAt',
  aggregateId: 'aggregateId',
  /** Position in the outbox (commit order of the log); absent on messages from before it was sent. */
  position: 'position',
} as const;

export type KnownEvent = {
  [T in EventType]: {
    type: T;
    id: string;
    /** The version the event was written in; its payload is in the current version's shape whatever this is (upcast.ts). */
    version: number;
    occurredAt: Date;
    aggregateId: string;
    /** 1 to 2^53 - 1 (limits.ts, MAX_POSITION), or null when the message does not say. */
    position: number | null;
    /** In the current version's shape (upcast from the version it was written in). */
    payload: EventPayload<T>;
  };
}[EventType];

export type DecodeResult =
  | { kind: 'event'; event: KnownEvent }
  /**
   * A well-formed envelope whose type or version this build does not know, or an order in a
   * currency this read side does not add up (upcast.ts, foreignCurrency): set aside, never guessed at.
   */
  | { kind: 'unsupported'; id: string; type: string; version: number; reason: string }
  | { kind: 'invalid'; reason: string };

/** Header text the read side stores (the type and aggregate id land in text columns; the type is quoted in reasons). */
const headerString = z.string().min(1).max(MAX_HEADER_LENGTH).refine(isStorableText, STORABLE_TEXT_MESSAGE);

/**
 * A positive whole number in plain decimal digits, as Debezium sends numbers: no sign, fraction,
 * exponent or hex (which Number() would read), at most 16 digits; anything past `max` (rounded
 * already, when past 2^53) is out of range.
 */
const wholeNumber = (max: number) =>
  z
    .string()
    .regex(/^\d{1,16}$/, 'must be a whole number in at most 16 decimal digits')
    .transform(Number)
    .pipe(z.number().min(1).max(max));

/** A strict ISO 8601 instant within the accepted range (instant.ts); the outbox row has a Date already. */
const instant = z.preprocess(
  (value) => (value instanceof Date ? isoOf(value) : value),
  z
    .string()
    .refine(isAcceptedInstant, INSTANT_MESSAGE)
    .transform((text) => parseInstant(text)!),
);

/** Keyed by header name, so a reason names the header an operator sees on the message. */
const envelopeSchema = z.object({
  // In the lowercase form Postgres answers uuids in: the projector matches the ids the inbox says
  // it already has against the batch's, and an id kept in capitals would never match.
  [HEADERS.eventId]: z.uuid().transform((id) => id.toLowerCase()),
  [HEADERS.eventType]: headerString,
  [HEADERS.schemaVersion]: wholeNumber(MAX_INT32),
  [HEADERS.occurredAt]: instant,
  [HEADERS.aggregateId]: headerString,
  [HEADERS.position]: wholeNumber(MAX_POSITION).nullable(),
});

type EnvelopeFields = Record<keyof z.input<typeof envelopeSchema>, unknown>;

/**
 * Turns one RabbitMQ message (headers + body) into a typed event in its type's current shape, or
 * says precisely why not. Never throws. `reader` says what an old version leaves unsaid (upcast.ts).
 */
export function decodeEvent(headers: Record<string, unknown>, body: Buffer, reader: EventReader): DecodeResult {
  // Before anything else: the size bounds all the work below.
  if (body.byteLength > MAX_BODY_BYTES) {
    return invalid(`body is ${body.byteLength} bytes, more than the limit of ${MAX_BODY_BYTES}`);
  }
  const fields = readEnvelopeHeaders(headers);
  if (!fields.ok) return invalid(`bad headers: ${fields.problems.join('; ')}`);
  return decodeFields(fields.values, () => parseBody(body), reader);
}

/** Each envelope header as text, or what is wrong with those that cannot be. */
function readEnvelopeHeaders(
  headers: Record<string, unknown>,
): { ok: true; values: EnvelopeFields } | { ok: false; problems: string[] } {
  const values = {} as EnvelopeFields;
  const problems: string[] = [];
  for (const name of Object.values(HEADERS)) {
    const read = readHeader(headers[name]);
    if (read.ok) values[name] = read.text ?? (name === HEADERS.position ? null : undefined);
    else problems.push(`${name} ${read.problem}`);
  }
  return problems.length === 0 ? { ok: true, values } : { ok: false, problems };
}

type ParsedBody = { ok: true; json: unknown } | { ok: false; reason: string };

/** Strict UTF-8 (Buffer#toString would turn bad bytes into U+FFFD and let them through), then JSON. */
function parseBody(body: Buffer): ParsedBody {
  const text = decodeUtf8(body);
  if (text === undefined) return { ok: false, reason: 'body is not valid UTF-8' };
  try {
    return { ok: true, json: JSON.parse(text) };
  } catch {
    return { ok: false, reason: 'body is not JSON' };
  }
}

/** An outbox row as stored in the write database (the rebuild reads the event log from there). */
export interface OutboxRow {
  id: string;
  position: string;
  type: string;
  schema_version: number;
  occurred_at: Date;
  aggregateid: string;
  payload: unknown;
}

export function decodeOutboxRow(row: OutboxRow, reader: EventReader): DecodeResult {
  const fields: EnvelopeFields = {
    [HEADERS.eventId]: row.id,
    [HEADERS.eventType]: row.type,
    [HEADERS.schemaVersion]: String(row.schema_version),
    [HEADERS.occurredAt]: row.occurred_at,
    [HEADERS.aggregateId]: row.aggregateid,
    [HEADERS.position]: row.position,
  };
  return decodeFields(fields, () => ({ ok: true, json: row.payload }), reader);
}

/**
 * The envelope first (an unknown type or newer version is `unsupported`, whatever its body), then
 * the body, read only for types this build knows: checked against the schema of the version it
 * was written in, then upcast to the current version (upcast.ts), then refused if it is in a
 * currency this read side does not add up.
 */
function decodeFields(fields: EnvelopeFields, body: () => ParsedBody, reader: EventReader): DecodeResult {
  const envelope = envelopeSchema.safeParse(fields);
  if (!envelope.success) return invalid(`bad headers: ${summarize(envelope.error)}`);
  const { id, eventType: type, schemaVersion: version, occurredAt, aggregateId, position } = envelope.data;

  if (!isKnownEventType(type)) return unsupported(id, type, version, `unknown event type ${type}`);
  const current = eventVersions[type].current;
  if (version > current) {
    return unsupported(
      id,
      type,
      version,
      `schema version ${version} is newer than ${current}, the latest of ${type} this build knows`,
    );
  }
  const schema = schemaOf(type, version);
  if (!schema) return invalid(`${type} has no schema version ${version}`);
  const parsed = body();
  if (!parsed.ok) return invalid(parsed.reason);
  const written = schema.safeParse(parsed.json);
  if (!written.success) return invalid(`bad ${type} v${version} payload: ${summarize(written.error)}`);
  const payload = upcast(type, version, written.data, reader);
  const foreign = foreignCurrency(type, payload, reader);
  if (foreign) return unsupported(id, type, version, foreign);
  return { kind: 'event', event: { type, id, version, occurredAt, aggregateId, position, payload } as KnownEvent };
}

/** Reasons go into an AMQP header and a text column: storable and bounded, whatever they quote. */
const invalid = (reason: string): DecodeResult => ({ kind: 'invalid', reason: toStorableText(reason, MAX_REASON_LENGTH) });

const unsupported = (id: string, type: string, version: number, reason: string): DecodeResult => ({
  kind: 'unsupported',
  id,
  type,
  version,
  reason: toStorableText(reason, MAX_REASON_LENGTH),
});

/** The first few issues: a payload with ten thousand bad lines must not make a reason of ten thousand parts. */
const MAX_ISSUES = 5;

function summarize(error: z.ZodError): string {
  const shown = error.issues.slice(0, MAX_ISSUES).map((i) => `${i.path.map(String).join('.') || '(root)'} ${i.message}`);
  const more = error.issues.length - shown.length;
  return more > 0 ? `${shown.join('; ')} (and ${more} more)` : shown.join('; ');
}

/** A Date from the outbox as the ISO text the strict parser reads (an invalid one as text it refuses). */
function isoOf(date: Date): string {
  return Number.isFinite(date.getTime()) ? date.toISOString() : 'Invalid Date';
}
