import { EARLIEST_INSTANT, LATEST_INSTANT } from './limits.ts';

/**
 * ISO 8601 instants as Debezium writes a timestamptz and the command API writes its own
 * (`2026-11-23T02:38:22.143101Z`, `...+01:00`): a four-digit year, seconds, an optional fraction
 * and a zone. Stricter than `new Date(text)`, which also reads `foo 2020` and rolls 30 February
 * over to March, while Postgres, which receives `placedAt` as text, refuses both.
 */
const ISO_INSTANT = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(?:Z|([+-])(\d{2}):(\d{2}))$/;

/** Postgres refuses zone offsets beyond 15:59. */
const MAX_OFFSET_HOURS = 15;

export const INSTANT_MESSAGE = `must be an ISO 8601 instant (YYYY-MM-DDTHH:MM:SS[.fraction] and Z or an offset) from ${EARLIEST_INSTANT.toISOString()} to ${LATEST_INSTANT.toISOString()}`;

/** The instant the text names, or undefined if it is not a real one in the strict form (the fraction is cut to milliseconds, as Date does). */
export function parseInstant(text: string): Date | undefined {
  const m = ISO_INSTANT.exec(text);
  if (!m) return undefined;
  const [year, month, day, hour, minute, second] = [m[1], m[2], m[3], m[4], m[5], m[6]].map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return undefined;
  if (hour > 23 || minute > 59 || second > 59) return undefined;
  const offset = offsetMinutes(m[8], m[9], m[10]);
  if (offset === undefined) return undefined;
  const millis = Number((m[7] ?? '').padEnd(3, '0').slice(0, 3));
  const date = new Date(0);
  // setUTCFullYear, not Date.UTC: Date.UTC reads years 0-99 as 1900-1999.
  date.setUTCFullYear(year, month - 1, day);
  date.setUTCHours(hour, minute, second, millis);
  return new Date(date.getTime() - offset * 60_000);
}

/** Within the accepted range (limits.ts): a real date, from 1970 to the end of year 9999. */
export const isAcceptedDate = (date: Date): boolean =>
  Number.isFinite(date.getTime()) && date >= EARLIEST_INSTANT && date <= LATEST_INSTANT;

/** A strict ISO 8601 instant within the accepted range. */
export function isAcceptedInstant(text: string): boolean {
  const date = parseInstant(text);
  return date !== undefined && isAcceptedDate(date);
}

function daysInMonth(year: number, month: number): number {
  const date = new Date(0);
  date.setUTCFullYear(year, month, 0);
  return date.getUTCDate();
}

function offsetMinutes(sign: string | undefined, hours: string | undefined, minutes: string | undefined): number | undefined {
  if (sign === undefined) return 0; // Z
  const h = Number(hours);
  const min = Number(minutes);
  if (h > MAX_OFFSET_HOURS || min > 59) return undefined;
  return (sign === '-' ? -1 : 1) * (h * 60 + min);
}
