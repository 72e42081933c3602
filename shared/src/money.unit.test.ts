import { describe, expect, it } from 'vitest';
import { centsFromNumeric, centsToNumeric, fromCents, hasAtMostTwoDecimals, toCents } from './money.ts';

describe('money', () => {
  it('keeps 29.99 × 2 exact', () => {
    expect(fromCents(toCents(29.99) * 2)).toBe(59.98);
    expect(JSON.stringify({ total: fromCents(toCents(29.99) * 2) })).toBe('{"total":59.98}');
  });

  it('reads Postgres numerics without floats', () => {
    expect(centsFromNumeric('29.99')).toBe(2999);
    expect(centsFromNumeric('120')).toBe(12000);
    expect(centsFromNumeric('0.5')).toBe(50);
    expect(centsFromNumeric('-3.05')).toBe(-305);
    expect(centsFromNumeric('999999999999.99')).toBe(99_999_999_999_999);
    expect(() => centsFromNumeric('1.005')).toThrow();
  });

  it('writes numerics for parameters', () => {
    expect(centsToNumeric(5998)).toBe('59.98');
    expect(centsToNumeric(5)).toBe('0.05');
  });

  it('tells two-decimal amounts from finer ones', () => {
    expect(hasAtMostTwoDecimals(0.1 + 0.2)).toBe(true);
    expect(hasAtMostTwoDecimals(0.001)).toBe(false);
    expect(hasAtMostTwoDecimals(0.3)).toBe(true);
    expect(hasAtMostTwoDecimals(29.99)).toBe(true);
    expect(hasAtMostTwoDecimals(1.005)).toBe(false);
    expect(hasAtMostTwoDecimals(1_000_000)).toBe(true);
  });
});
