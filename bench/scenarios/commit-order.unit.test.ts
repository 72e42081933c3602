import { describe, expect, it } from 'vitest';
import { commitOrder, overtaken } from './commit-order.ts';

const event = (id: string, position: number, committedAt: number) => ({ id, position, committedAt });

describe('commitOrder', () => {
  it('counts nothing when position, commit and arrival orders agree', () => {
    const events = [event('a', 1, 10), event('b', 2, 20), event('c', 3, 30)];
    expect(
      commitOrder(events, [
        ['a', 11],
        ['b', 21],
        ['c', 31],
      ]),
    ).toEqual({
      events: 3,
      committedOutOfPositionOrder: 0,
      arrivedOutOfCommitOrder: 0,
      missed: 0,
    });
  });

  it('sees a transaction that drew an early position and committed late, and a relay publishing by position', () => {
    // a drew position 1 but committed last; a position-ordered batch publishes a before b and c.
    const events = [event('a', 1, 50), event('b', 2, 20), event('c', 3, 30)];
    const result = commitOrder(events, [
      ['a', 60],
      ['b', 61],
      ['c', 62],
    ]);
    expect(result.committedOutOfPositionOrder).toBe(2);
    expect(result.arrivedOutOfCommitOrder).toBe(2);
  });

  it('counts events of one transaction (same commit time) as in order, a duplicate by its first arrival, and what never arrived', () => {
    const events = [event('a', 1, 10), event('b', 2, 10), event('c', 3, 30), event('d', 4, 40)];
    const result = commitOrder(events, [
      ['b', 11],
      ['a', 12],
      ['c', 31],
      ['b', 90],
    ]);
    expect(result.arrivedOutOfCommitOrder).toBe(0);
    expect(result.missed).toBe(1);
  });
});

describe('overtaken', () => {
  it('counts the later positions that committed before the slowest of the given transactions', () => {
    const events = [event('late', 1, 100), event('b', 2, 20), event('c', 3, 30), event('d', 4, 200), event('slow', 5, 40)];
    expect(overtaken(events, new Set(['late']))).toBe(3);
    expect(overtaken(events, new Set(['slow']))).toBe(0);
    expect(overtaken(events, new Set(['late', 'slow']))).toBe(3);
  });

  it('is 0 when everything committed in position order', () => {
    const events = [event('a', 1, 10), event('b', 2, 20)];
    expect(overtaken(events, new Set(['a', 'b']))).toBe(0);
  });
});
