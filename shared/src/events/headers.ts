import { decodeUtf8 } from '../text.ts';

/** A header value read as text: absent (undefined), the text, or why it cannot be text. */
export type HeaderRead = { ok: true; text: string | undefined } | { ok: false; problem: string };

/**
 * Reads one AMQP header value as text, for any value amqplib can hand over (and any other):
 * - strings as they are, and Buffers (AMQP byte arrays) as strict UTF-8;
 * - numbers (AMQP integer and float types) only when they are exact integers, whose decimal
 *   text is then what was sent; beyond 2^53 the number is already rounded, the text would lie;
 * - Debezium's JSON header converter quotes strings (`"abc"`): those are unquoted.
 * Booleans, tables (objects), arrays, decimals, timestamps-as-objects, bigints, anything else:
 * not text. Never calls String() on an object, which can throw (null prototype) or invent text
 * (`String(['"x"'])` is `"x"`).
 */
export function readHeader(value: unknown): HeaderRead {
  if (value === undefined || value === null) return { ok: true, text: undefined };
  if (typeof value === 'string') return { ok: true, text: unquote(value) };
  if (Buffer.isBuffer(value)) {
    const text = decodeUtf8(value);
    return text === undefined ? { ok: false, problem: 'is bytes that are not valid UTF-8' } : { ok: true, text: unquote(text) };
  }
  if (typeof value === 'number') {
    return Number.isSafeInteger(value)
      ? { ok: true, text: String(value) }
      : { ok: false, problem: `is the number ${String(value)}, not an exact integer` };
  }
  return { ok: false, problem: `is ${kindOf(value)}, not text` };
}

/**
 * The header's text, or undefined when it is absent or not text (see readHeader). For readers
 * that only show or match a header (the DLQ listing, dead-letter notes); the decoder uses
 * readHeader to say why.
 */
export function headerText(value: unknown): string | undefined {
  const read = readHeader(value);
  return read.ok ? read.text : undefined;
}

/** Debezium's JSON header converter sends `"abc"` for the string abc; a quoted text that is not JSON stays as it is. */
function unquote(text: string): string {
  if (text.length < 2 || !text.startsWith('"') || !text.endsWith('"')) return text;
  try {
    const parsed: unknown = JSON.parse(text);
    return typeof parsed === 'string' ? parsed : text;
  } catch {
    return text;
  }
}

function kindOf(value: unknown): string {
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'an object';
  return `a ${typeof value}`;
}
