import { describe, expect, it } from 'vitest';
import { inboxWindow, type InboxEntry } from './inbox-window.ts';

const cutoff = new Date('2026-11-23T10:00:00Z');
const entry = (seq: number, appliedAt = '2026-11-23T09:59:00Z'): InboxEntry => ({
  id: `00000000-0000-4000-8000-${String(seq).padStart(12, '0')}`,
  type: 'ProductCreated',
  aggregateType: 'product',
  aggregateId: String(seq),
  occurredAt: new Date('2026-11-23T09:58:00Z'),
  position: String(seq),
  seq,
  appliedAt: new Date(appliedAt),
});

describe('inboxWindow: applied events the outbox log does not hold', () => {
  it('passes every entry the log holds and lists the others as unknown', () => {
    const entries = [entry(4), entry(5), entry(7)];
    const window = inboxWindow(entries, { found: new Set([entries[0]!.id, entries[2]!.id]), cutoff, from: 3 });
    expect(window).toEqual({ checkedThrough: 7, unknown: [entries[1]], stoppedAtRecent: false });
  });

  it('stops at an entry applied after the cutoff, even if later ones are older: its outbox row may not be visible yet', () => {
    const entries = [entry(4), entry(5, '2026-11-23T10:00:00.001Z'), entry(6)];
    const window = inboxWindow(entries, { found: new Set(), cutoff, from: 3 });
    expect(window).toEqual({ checkedThrough: 4, unknown: [entries[0]], stoppedAtRecent: true });
  });

  it('stays where it was with nothing to check', () => {
    expect(inboxWindow([], { found: new Set(), cutoff, from: 9 })).toEqual({
      checkedThrough: 9,
      unknown: [],
      stoppedAtRecent: false,
    });
  });
});
