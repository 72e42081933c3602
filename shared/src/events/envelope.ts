import { z } from 'zod';
import { CURRENT_SCHEMA_VERSION, eventPayloadSchemas, isKnownEventType, type EventPayload, type EventType } from './schemas.ts';

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
    version: number;
    occurredAt: Date;
    aggregateId: string;
    position: number | null;
    payload: EventPayload<T>;
  };
}[EventType];

export type DecodeResult =
  | { kind: 'event'; event: KnownEvent }
  /** A well-formed envelope whose type or version this build does not know: set aside, never guessed at. */
  | { kind: 'unsupported'; id: string; type: string; version: number; reason: string }
  | { kind: 'invalid'; reason: string };

const envelopeSchema = z.object({
  id: z.uuid(),
  type: z.string().min(1),
  version: z.coerce.number().int().positive(),
  occurredAt: z.coerce.date(),
  aggregateId: z.string().min(1),
  position: z.coerce.number().int().positive().nullable(),
});

/**
 * Debezium's JSON header converter sends string headers JSON-encoded (`"abc"` with the quotes),
 * numbers as text, and amqplib may hand them over as Buffers; normalise all of that to a string.
 */
export function headerText(value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined;
  const text = Buffer.isBuffer(value) ? value.toString('utf8') : String(value);
  if (text.length >= 2 && text.startsWith('"') && text.endsWith('"')) {
    try {
      const parsed: unknown = JSON.parse(text);
      return typeof parsed === 'string' ? parsed : text;
    } catch {
      return text;
    }
  }
  return text;
}

/** Turns one RabbitMQ message (headers + body) into a typed event, or says precisely why not. */
export function decodeEvent(headers: Record<string, unknown>, body: Buffer): DecodeResult {
  let json: unknown;
  try {
    json = JSON.parse(body.toString('utf8'));
  } catch {
    json = NOT_JSON;
  }
  return decodeFields(
    {
      id: headerText(headers[HEADERS.eventId]),
      type: headerText(headers[HEADERS.eventType]),
      version: headerText(headers[HEADERS.schemaVersion]),
      occurredAt: headerText(headers[HEADERS.occurredAt]),
      aggregateId: headerText(headers[HEADERS.aggregateId]),
      position: headerText(headers[HEADERS.position]) ?? null,
    },
    json,
  );
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

export function decodeOutboxRow(row: OutboxRow): DecodeResult {
  const fields = {
    id: row.id,
    type: row.type,
    version: row.schema_version,
    occurredAt: row.occurred_at,
    aggregateId: row.aggregateid,
    position: row.position,
  };
  return decodeFields(fields, row.payload);
}

const NOT_JSON = Symbol('not JSON');

function decodeFields(fields: Record<keyof z.infer<typeof envelopeSchema>, unknown>, json: unknown): DecodeResult {
  const envelope = envelopeSchema.safeParse(fields);
  if (!envelope.success) return { kind: 'invalid', reason: `bad headers: ${summarize(envelope.error)}` };
  const { id, type, version, occurredAt, aggregateId, position } = envelope.data;

  if (!isKnownEventType(type)) return { kind: 'unsupported', id, type, version, reason: `unknown event type ${type}` };
  if (version > CURRENT_SCHEMA_VERSION) {
    return {
      kind: 'unsupported',
      id,
      type,
      version,
      reason: `schema version ${version} is newer than ${CURRENT_SCHEMA_VERSION}`,
    };
  }
  if (json === NOT_JSON) return { kind: 'invalid', reason: 'body is not JSON' };
  const payload = eventPayloadSchemas[type].safeParse(json);
  if (!payload.success) return { kind: 'invalid', reason: `bad ${type} payload: ${summarize(payload.error)}` };
  return { kind: 'event', event: { type, id, version, occurredAt, aggregateId, position, payload: payload.data } as KnownEvent };
}

function summarize(error: z.ZodError): string {
  return error.issues.map((i) => `${i.path.join('.') || '(root)'} ${i.message}`).join(', ');
}
