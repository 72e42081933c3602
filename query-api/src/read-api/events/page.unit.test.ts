import { describe, expect, it } from 'vitest';
import { pageOf } from './page.ts';
import { historyQuery } from './schemas.ts';

const positions = (...ps: number[]) => ps.map((p) => ({ position: String(p) }));

describe('pageOf: a page read with one row more than asked', () => {
  it('answers the rows asked for and the last one’s position as the next cursor when there is more', () => {
    expect(pageOf(positions(3, 5, 9), 2, (r) => r.position)).toEqual({ rows: positions(3, 5), next: '5' });
  });

  it('has no next cursor on the last page, full or not', () => {
    expect(pageOf(positions(3, 5), 2, (r) => r.position)).toEqual({ rows: positions(3, 5), next: null });
    expect(pageOf(positions(3), 2, (r) => r.position)).toEqual({ rows: positions(3), next: null });
    expect(pageOf([], 2, (r: { position: string }) => r.position)).toEqual({ rows: [], next: null });
  });
});

describe('historyQuery', () => {
  it('defaults to the start of the log and 100 events', () => {
    expect(historyQuery.parse({})).toEqual({ after: '0', limit: 100 });
    expect(historyQuery.parse({ after: '4711', limit: '500' })).toEqual({ after: '4711', limit: 500 });
  });

  it.each([
    { after: '-1' },
    { after: '01' },
    { after: '1.5' },
    { after: 'abc' },
    { after: '1234567890123456789' },
    { after: ['1', '2'] },
    { limit: '0' },
    { limit: '501' },
    { limit: '2.5' },
    { limit: 'ten' },
  ])('refuses %o', (query) => {
    expect(historyQuery.safeParse(query).success).toBe(false);
  });
});
