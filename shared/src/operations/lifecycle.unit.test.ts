import { describe, expect, it } from 'vitest';
import { OPERATION_STATES, nextState, type OperationTransition } from './lifecycle.ts';

describe('operation lifecycle', () => {
  it('allows exactly the drawn transitions', () => {
    const allowed = (transition: OperationTransition) => OPERATION_STATES.filter((s) => nextState(s, transition) !== undefined);
    expect(allowed('claim')).toEqual(['requested']);
    expect(allowed('progress')).toEqual(['running']);
    expect(allowed('succeed')).toEqual(['running']);
    expect(allowed('fail')).toEqual(['running']);
    expect(allowed('abandon')).toEqual(['running']);
    expect(nextState('requested', 'claim')).toBe('running');
    expect(nextState('running', 'abandon')).toBe('failed');
  });

  it('never leaves a finished operation', () => {
    for (const transition of ['claim', 'progress', 'succeed', 'fail', 'abandon'] as const) {
      expect(nextState('succeeded', transition)).toBeUndefined();
      expect(nextState('failed', transition)).toBeUndefined();
    }
  });
});
