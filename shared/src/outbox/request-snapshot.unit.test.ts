import { describe, expect, it } from 'vitest';
import { snapshotSignalData } from './request-snapshot.ts';

describe('snapshotSignalData', () => {
  it('asks for an incremental snapshot of exactly these outbox positions, in position order', () => {
    expect(JSON.parse(snapshotSignalData('public.outbox', [7, 3, 12]))).toEqual({
      'data-collections': ['public.outbox'],
      type: 'incremental',
      'surrogate-key': 'position',
      'additional-conditions': [{ 'data-collection': 'public.outbox', filter: 'position IN (7,3,12)' }],
    });
  });

  it('refuses anything but positive integers, so the filter can only ever be a list of numbers', () => {
    for (const bad of [[], [0], [-1], [1.5], [Number.NaN], [2 ** 60]]) {
      expect(() => snapshotSignalData('public.outbox', bad), String(bad)).toThrow(/positive integer/);
    }
  });
});
