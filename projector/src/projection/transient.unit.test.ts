import { describe, expect, it } from 'vitest';
import { isTransient } from './transient.ts';

const withCode = (code: string) => Object.assign(new Error('x'), { code });

describe('isTransient', () => {
  it.each(['ECONNREFUSED', 'ECONNRESET', '08006', '57P01', '53300', '40001', '40P01'])('%s is transient', (code) => {
    expect(isTransient(withCode(code))).toBe(true);
  });
  it('a connection dropped mid-query is transient', () => {
    expect(isTransient(new Error('Connection terminated unexpectedly'))).toBe(true);
  });
  it.each(['22003', '23505', '42P01'])('%s (a problem with the data or the schema) is not', (code) => {
    expect(isTransient(withCode(code))).toBe(false);
  });
  it('a plain error is not', () => {
    expect(isTransient(new TypeError('cannot read properties of undefined'))).toBe(false);
  });
});
