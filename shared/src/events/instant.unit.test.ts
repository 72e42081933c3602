import { describe, expect, it } from 'vitest';
import { isAcceptedInstant, parseInstant } from './instant.ts';

describe('parseInstant', () => {
  it.each([
    ['2026-11-23T02:38:22Z', '2026-11-23T02:38:22.000Z'],
    ['2026-11-23T02:38:22.143101Z', '2026-11-23T02:38:22.143Z'],
    ['2026-11-23T02:38:22.1Z', '2026-11-23T02:38:22.100Z'],
    ['2026-11-23T02:38:22.123456789Z', '2026-11-23T02:38:22.123Z'],
    ['2026-11-23T03:38:22+01:00', '2026-11-23T02:38:22.000Z'],
    ['2026-11-22T21:08:22-05:30', '2026-11-23T02:38:22.000Z'],
    ['2028-02-29T00:00:00Z', '2028-02-29T00:00:00.000Z'],
    ['0050-06-01T00:00:00Z', '0050-06-01T00:00:00.000Z'],
  ])('reads %s as %s', (text, iso) => {
    expect(parseInstant(text)?.toISOString()).toBe(iso);
  });

  it.each([
    '2026-02-29T00:00:00Z',
    '2026-02-30T00:00:00Z',
    '2026-04-31T00:00:00Z',
    '2026-13-01T00:00:00Z',
    '2026-00-01T00:00:00Z',
    '2026-11-23T24:00:00Z',
    '2026-11-23T23:60:00Z',
    '2026-11-23T23:59:60Z',
    '2026-11-23T02:38:22+16:00',
    '2026-11-23T02:38:22+01:60',
    '2026-11-23T02:38:22',
    '2026-11-23 02:38:22Z',
    '2026-11-23',
    '+010000-01-01T00:00:00.000Z',
    '10000-01-01T00:00:00Z',
    '2026-11-23T02:38:22.Z',
    '2026-11-23T02:38:22.1234567890Z',
    ' 2026-11-23T02:38:22Z',
    'foo 2020',
    '',
  ])('refuses %j', (text) => {
    expect(parseInstant(text)).toBeUndefined();
  });
});

describe('isAcceptedInstant', () => {
  it('accepts 1970-01-01 to the end of 9999, whatever the offset it is written with', () => {
    expect(isAcceptedInstant('1970-01-01T00:00:00Z')).toBe(true);
    expect(isAcceptedInstant('9999-12-31T23:59:59.999Z')).toBe(true);
    expect(isAcceptedInstant('1970-01-01T01:00:00+01:00')).toBe(true);
  });

  it('refuses instants before 1970 or after 9999, even when the text has a year inside', () => {
    expect(isAcceptedInstant('1969-12-31T23:59:59.999Z')).toBe(false);
    expect(isAcceptedInstant('1970-01-01T00:30:00+01:00')).toBe(false);
    expect(isAcceptedInstant('9999-12-31T23:00:00-05:00')).toBe(false);
  });
});
