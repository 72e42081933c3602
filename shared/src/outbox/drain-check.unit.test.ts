import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { afterRecheck, afterScan, isDrained, nextWindow, startDrain, type DrainState, type LoggedEvent } from './drain-check.ts';

const events = (...positions: number[]): LoggedEvent[] => positions.map((position) => ({ id: `e${position}`, position }));

describe('drain check', () => {
  it('is not drained until the log up to the cut is read and every event in it is handled', () => {
    let state = startDrain(10, 0);
    expect(nextWindow(state)).toEqual({ after: 0, through: 10 });
    state = afterScan(state, events(1, 2, 3), 3, new Set(['e1', 'e3']));
    expect(state).toMatchObject({ scannedThrough: 3, pending: events(2) });
    expect(isDrained(state)).toBe(false);
    expect(nextWindow(state)).toEqual({ after: 3, through: 10 });
    state = afterScan(state, events(7), 3, new Set());
    expect(state).toMatchObject({ scannedThrough: 10, pending: events(2, 7) });
    expect(nextWindow(state)).toBeUndefined();
    state = afterRecheck(state, new Set(['e7']), 0);
    expect(isDrained(state)).toBe(false);
    state = afterRecheck(state, new Set(['e2']), 0);
    expect(isDrained(state)).toBe(true);
  });

  it('never looks up what the inbox pruned, and takes an event pruned since as applied', () => {
    const state = startDrain(10, 6);
    expect(nextWindow(state)).toEqual({ after: 6, through: 10 });
    expect(isDrained(startDrain(10, 12))).toBe(true);
    const waiting: DrainState = { cut: 10, scannedThrough: 10, pending: events(4, 9) };
    expect(afterRecheck(waiting, new Set(), 5).pending).toEqual(events(9));
  });

  it('drains exactly when every logged event at or below the cut is handled, whatever the windows', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.integer({ min: 1, max: 200 }), { maxLength: 60 }),
        fc.integer({ min: 1, max: 200 }),
        fc.integer({ min: 1, max: 7 }),
        fc.func(fc.boolean()),
        (positions, cut, limit, isHandled) => {
          const log = events(...positions.sort((a, b) => a - b));
          const handled = new Set(log.filter((e) => isHandled(e.position)).map((e) => e.id));
          let state = startDrain(cut, 0);
          for (let window = nextWindow(state); window; window = nextWindow(state)) {
            const { after, through } = window;
            const read = log.filter((e) => e.position > after && e.position <= through).slice(0, limit);
            state = afterScan(state, read, limit, handled);
          }
          const unhandled = log.filter((e) => e.position <= cut && !handled.has(e.id));
          expect(state.pending).toEqual(unhandled);
          expect(isDrained(state)).toBe(unhandled.length === 0);
        },
      ),
    );
  });
});
