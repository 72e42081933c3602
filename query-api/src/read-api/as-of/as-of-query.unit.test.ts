import { describe, expect, it } from 'vitest';
import { asOfQuery } from './as-of-query.ts';

describe('asOfQuery', () => {
  it.each(['2026-12-07T21:00:00Z', '2026-12-07T21:00:00.123456Z', '2026-12-07T22:00:00+01:00', '1970-01-01T00:00:00Z'])(
    'takes the RFC 3339 date-time %s as sent (its microseconds go to Postgres)',
    (asOf) => {
      expect(asOfQuery.parse({ asOf })).toEqual({ asOf });
    },
  );

  it('is optional', () => {
    expect(asOfQuery.parse({})).toEqual({});
  });

  it.each([
    '2026-12-07',
    '2026-12-07T21:00Z',
    '2026-12-07T21:00:00',
    '2026-12-07 21:00:00Z',
    '2026-02-30T00:00:00Z',
    '2026-12-07T24:00:00Z',
    '1969-12-31T23:59:59Z',
    'yesterday',
    '',
  ])('refuses %s', (asOf) => {
    expect(asOfQuery.safeParse({ asOf }).success).toBe(false);
  });

  it('refuses it given twice', () => {
    expect(asOfQuery.safeParse({ asOf: ['2026-12-07T21:00:00Z', '2026-12-07T22:00:00Z'] }).success).toBe(false);
  });
});
