import { describe, expect, it } from 'vitest';
import { eventState, type EventMarks } from './event-states.ts';

const none: EventMarks = { inInbox: false, parkedReason: null, belowWatermark: false, listedMissing: false };

describe('eventState: where an outbox event is in the pipeline', () => {
  it('is pending when the read side has no mark of it', () => {
    expect(eventState(none)).toEqual({ state: 'pending', reason: null });
  });

  it('is applied when in the inbox, even if it was parked before (re-driven) or listed missing', () => {
    expect(eventState({ ...none, inInbox: true })).toEqual({ state: 'applied', reason: null });
    expect(eventState({ ...none, inInbox: true, parkedReason: 'projection failed', listedMissing: true })).toEqual({
      state: 'applied',
      reason: null,
    });
  });

  it('is applied at or below the pruning watermark (its inbox entry pruned), unless it is a dead letter', () => {
    expect(eventState({ ...none, belowWatermark: true })).toEqual({ state: 'applied', reason: null });
    expect(eventState({ ...none, belowWatermark: true, parkedReason: 'unsupported: schema version 2' })).toEqual({
      state: 'parked',
      reason: 'unsupported: schema version 2',
    });
  });

  it('is parked, with the reason, when a dead letter not applied since', () => {
    expect(eventState({ ...none, parkedReason: 'invalid: body is not JSON', listedMissing: true })).toEqual({
      state: 'parked',
      reason: 'invalid: body is not JSON',
    });
  });

  it('is missing when only the reconciler lists it', () => {
    expect(eventState({ ...none, listedMissing: true })).toEqual({ state: 'missing', reason: null });
  });
});
