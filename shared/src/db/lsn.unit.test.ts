import { describe, expect, it } from 'vitest';
import { parseLsn } from './lsn.ts';

describe('parseLsn', () => {
  it('orders WAL positions across the high half', () => {
    expect(parseLsn('0/1F4D4B0')).toBe(0x1f4d4b0n);
    expect(parseLsn('1/0') > parseLsn('0/FFFFFFFF')).toBe(true);
    expect(() => parseLsn('nope')).toThrow(/not an LSN/);
  });
});
