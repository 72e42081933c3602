import { describe, expect, it } from 'vitest';
import { auditWindow, type AuditFacts, type OutboxEntry } from './audit-window.ts';

const at = (s: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, s));
const entry = (position: number, second: number, shard = 0): OutboxEntry => ({
  id: `e${position}`,
  position,
  occurredAt: at(second),
  shard,
});
const facts = (handled: string[], over: Partial<AuditFacts> = {}): AuditFacts => ({
  handled: new Set(handled),
  cutoff: at(30),
  from: 10,
  shardPassed: () => true,
  ...over,
});

describe('auditWindow', () => {
  it('advances over handled events and reports old unhandled ones as missing', () => {
    const entries = [entry(11, 1), entry(12, 2), entry(13, 3)];
    expect(auditWindow(entries, facts(['e11', 'e13']))).toEqual({
      checkedThrough: 13,
      missing: [entry(12, 2)],
      stoppedAtPending: false,
    });
  });

  it('stops before the first unhandled event inside the grace period, even if later ones are handled', () => {
    const entries = [entry(11, 1), entry(12, 31), entry(13, 32)];
    expect(auditWindow(entries, facts(['e11', 'e13']))).toEqual({ checkedThrough: 11, missing: [], stoppedAtPending: true });
  });

  it('an old event of a shard that has not passed it (a backlog in its queue) is on its way, not missing', () => {
    const entries = [entry(11, 1, 3), entry(12, 2, 5)];
    const audit = auditWindow(entries, facts([], { shardPassed: (shard) => shard !== 3 }));
    expect(audit).toEqual({ checkedThrough: 10, missing: [], stoppedAtPending: true });
    expect(auditWindow(entries, facts([], { shardPassed: (shard) => shard !== 5 })).missing).toEqual([entry(11, 1, 3)]);
  });

  it('asks about the event’s own shard and position', () => {
    const asked: [number, number][] = [];
    auditWindow([entry(11, 1, 6)], facts([], { shardPassed: (shard, position) => (asked.push([shard, position]), true) }));
    expect(asked).toEqual([[6, 11]]);
  });

  it('an empty window leaves the position where it was', () => {
    expect(auditWindow([], facts([], { from: 42 }))).toEqual({ checkedThrough: 42, missing: [], stoppedAtPending: false });
  });

  it('an event exactly at the cutoff is missing', () => {
    expect(auditWindow([entry(5, 30)], facts([], { from: 0 })).missing).toEqual([entry(5, 30)]);
  });
});
