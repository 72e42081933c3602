import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { arbitraryHeaders } from '../../../tests/support/event-messages.ts';
import { deadLetterRecord, MAX_REASON_LENGTH, storableReason } from './dead-letter-record.ts';

const id = '6f1c2f0e-8a9b-4c1d-9e2f-0a1b2c3d4e5f';
const headers = (overrides: Record<string, unknown>) => ({ id: `"${id}"`, ...overrides });
const MAX_BIGINT = 9_223_372_036_854_775_807n;

describe('deadLetterRecord', () => {
  it('keeps the event id and the outbox position exactly, as the text of a bigint', () => {
    expect(deadLetterRecord(headers({ position: '42' }), 'invalid: x')).toEqual({
      eventId: id,
      position: '42',
      reason: 'invalid: x',
    });
    expect(deadLetterRecord(headers({ position: 42 }), 'r')?.position).toBe('42');
    expect(deadLetterRecord(headers({ position: Buffer.from('42') }), 'r')?.position).toBe('42');
    // Beyond 2^53 a JS number would round it; as text it stays exact up to the bigint maximum.
    expect(deadLetterRecord(headers({ position: '9007199254740993' }), 'r')?.position).toBe('9007199254740993');
    expect(deadLetterRecord(headers({ position: '9223372036854775807' }), 'r')?.position).toBe('9223372036854775807');
  });

  it.each([
    ['beyond bigint', '9223372036854775808'],
    ['far beyond bigint', '99999999999999999999'],
    ['2^63 as an AMQP number', 2 ** 63],
    ['2^53 + 2 as an AMQP number (already rounded)', 2 ** 53 + 2],
    ['zero', '0'],
    ['negative', '-5'],
    ['a fraction', '1.5'],
    ['exponent form', '1e3'],
    ['NaN', NaN],
    ['an object', { value: 1 }],
    ['an array', [42]],
    ['a boolean', true],
    ['absent', undefined],
  ])('records a position that is %s as unknown (null) rather than failing the insert', (_what, position) => {
    expect(deadLetterRecord(headers({ position }), 'r')).toEqual({ eventId: id, position: null, reason: 'r' });
  });

  it.each([
    ['missing', undefined],
    ['not a uuid', '"42"'],
    ['an object', { id }],
    ['a null-prototype object', Object.create(null) as object],
    ['invalid UTF-8 bytes', Buffer.from([0xff])],
  ])('notes nothing for an event id that is %s: it cannot be matched to the outbox', (_what, eventId) => {
    expect(deadLetterRecord({ id: eventId, position: '1' }, 'r')).toBeUndefined();
  });
});

describe('storableReason', () => {
  it('strips NUL, which a Postgres text column cannot hold', () => {
    expect(storableReason('bad\u0000 name')).toBe('bad name');
  });

  it('replaces lone surrogates, which would be stored altered, and keeps real pairs', () => {
    expect(storableReason('a\ud800b\udc00c\u{1f600}')).toBe('a\ufffdb\ufffdc\u{1f600}');
  });

  it(`bounds the length to ${MAX_REASON_LENGTH} without splitting a surrogate pair`, () => {
    expect(storableReason('x'.repeat(1_000_000))).toHaveLength(MAX_REASON_LENGTH);
    const cut = storableReason(`${'x'.repeat(MAX_REASON_LENGTH - 1)}\u{1f600}`);
    expect(cut).toBe('x'.repeat(MAX_REASON_LENGTH - 1));
  });

  it('never leaves a reason empty', () => {
    expect(storableReason('')).not.toBe('');
    expect(storableReason('\u0000\u0000')).not.toBe('');
  });
});

describe('deadLetterRecord, property-based', () => {
  it('never throws, and whatever it returns fits the dead_letters columns', () => {
    fc.assert(
      fc.property(
        arbitraryHeaders,
        fc.string({ unit: fc.constantFrom('a', '\u0000', '\ud800', '\udc00', '\u{1f600}') }),
        (h, reason) => {
          const record = deadLetterRecord(h, reason);
          if (record === undefined) return;
          expect(record.eventId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i);
          if (record.position !== null) {
            expect(record.position).toMatch(/^[1-9]\d*$/);
            expect(BigInt(record.position) <= MAX_BIGINT).toBe(true);
          }
          expect(record.reason.includes('\u0000')).toBe(false);
          expect(record.reason).not.toMatch(/\p{Cs}/u);
          expect(record.reason.length).toBeGreaterThan(0);
          expect(record.reason.length).toBeLessThanOrEqual(MAX_REASON_LENGTH);
        },
      ),
      { seed: 46, numRuns: 2000 },
    );
  });
});
