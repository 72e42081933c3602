import { describe, expect, it } from 'vitest';
import { auditProblems } from './audit.ts';

const report = (missing: number) => ({
  highWaterMark: 10,
  checkedThrough: 10,
  eventsAudited: 10,
  missing,
  oldestMissing: missing > 0 ? new Date('2026-12-07T21:00:00Z') : null,
});

describe("the notifier audit's problems (its /health)", () => {
  it('none before the first audit, or with nothing missing', () => {
    expect(auditProblems(undefined, 0)).toEqual([]);
    expect(auditProblems(report(0), 0)).toEqual([]);
  });

  it('missing events, with the oldest', () => {
    expect(auditProblems(report(3), 0)).toEqual([
      expect.stringMatching(/^3 events missing .* oldest from 2026-12-07T21:00:00.000Z/),
    ]);
  });

  it('an audit failing three times in a row', () => {
    expect(auditProblems(undefined, 2)).toEqual([]);
    expect(auditProblems(undefined, 3)).toEqual(['notifier audit failed 3 times in a row']);
  });
});
