import { describe, expect, it } from 'vitest';
import { waitFor } from './prefer-wait.ts';

describe('Prefer: wait (RFC 7240) for a Consistency-Token', () => {
  it('waits the bound when the client says nothing, or says something unreadable', () => {
    for (const prefer of [
      undefined,
      '',
      'respond-async',
      'wait',
      'wait=',
      'wait=-1',
      'wait=1.5',
      'wait=abc',
      'wait=9999999',
      'handling=lenient',
    ])
      expect(waitFor(prefer, 5000)).toEqual({ ms: 5000 });
  });

  it('waits less when asked for less, and says it did', () => {
    expect(waitFor('wait=2', 5000)).toEqual({ ms: 2000, applied: 'wait=2' });
    expect(waitFor('wait=0', 5000)).toEqual({ ms: 0, applied: 'wait=0' });
    expect(waitFor('respond-async, WAIT = 3', 5000)).toEqual({ ms: 3000, applied: 'wait=3' });
    expect(waitFor(['handling=strict', 'wait="1"; foo=bar'], 5000)).toEqual({ ms: 1000, applied: 'wait=1' });
  });

  it('never waits longer than the bound', () => {
    expect(waitFor('wait=60', 5000)).toEqual({ ms: 5000 });
    expect(waitFor('wait=5', 5000)).toEqual({ ms: 5000, applied: 'wait=5' });
  });
});
