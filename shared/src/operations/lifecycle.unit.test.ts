import { describe, expect, it } from 'vitest';
import { fromStates, toState } from './lifecycle.ts';

describe('operation lifecycle', () => {
  it('allows exactly the drawn transitions, and none out of a finished operation', () => {
    expect(fromStates('claim')).toEqual(['requested']);
    for (const t of ['progress', 'succeed', 'fail', 'abandon'] as const) expect(fromStates(t)).toEqual(['running']);
    expect([toState('claim'), toState('progress'), toState('succeed'), toState('fail'), toState('abandon')]).toEqual([
      'running',
      'running',
      'succeeded',
      'failed',
      'failed',
    ]);
    for (const t of ['claim', 'progress', 'succeed', 'fail', 'abandon'] as const) {
      expect(fromStates(t)).not.toContain('succeeded');
      expect(fromStates(t)).not.toContain('failed');
    }
  });
});
