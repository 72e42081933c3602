import { describe, expect, it } from 'vitest';
import { auditWindow, type OutboxEntry } from './audit-window.ts';

const at = (s: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, s));
const entry = (position: number, second: number): OutboxEntry => ({ id: `e${position}`, position, occurredAt: at(second) });
const cutoff = at(30);

describe('auditWindow', () => {
  it('advances over handled events and reports old unhandled ones as missing', () => {
    const entries = [entry(11, 1), entry(12, 2), entry(13, 3)];
    expect(auditWindow(entries, new Set(['e11', 'e13']), cutoff, 10)).toEqual({
      checkedThrough: 13,
      missing: [entry(12, 2)],
      stoppedAtYoung: false,
    });
  });

  it('stops before the first unhandled event inside the grace period, even if later ones are handled', () => {
    const entries = [entry(11, 1), entry(12, 31), entry(13, 32)];
    expect(auditWindow(entries, new Set(['e11', 'e13']), cutoff, 10)).toEqual({
      checkedThrough: 11,
      missing: [],
      stoppedAtYoung: true,
    });
  });

  it('an empty window leaves the position where it was', () => {
    expect(auditWindow([], new Set(), cutoff, 42)).toEqual({ checkedThrough: 42, missing: [], stoppedAtYoung: false });
  });

  it('an event exactly at the cutoff is missing', () => {
    expect(auditWindow([entry(5, 30)], new Set(), cutoff, 0).missing).toEqual([entry(5, 30)]);
  });
});
