import { describe, expect, it } from 'vitest';
import { formatStatus, verdict } from './format-status.ts';
import type { SyncStatus } from './schemas.ts';

const healthy: SyncStatus = {
  lastProcessedEventTimestamp: '2026-12-07T21:00:00.000Z',
  lagSeconds: 0,
  eventsBehind: 0,
  missing: 0,
  unknown: 0,
  debezium: {
    slot: 'shop_outbox',
    active: true,
    confirmedFlushLsn: '0/1',
    currentWalLsn: '0/1',
    lagBytes: 0,
    offsetLsn: '0/1',
    offsetTime: null,
    activeInstance: 'debezium',
    activeSince: null,
    standbyInstances: [],
  },
  projector: { lastEventId: null, processed: 10, deadLettered: 0 },
  notifier: {
    eventsBehind: 0,
    lagSeconds: 0,
    missing: 0,
    delivered: 7,
    parked: 1,
    recorded: 0,
    lastEventAt: '2026-12-07T21:00:00.000Z',
  },
  unreachable: [],
};
const limits = { maxLagSeconds: 30 };
const withNotifier = (n: Partial<SyncStatus['notifier']>): SyncStatus => ({
  ...healthy,
  notifier: { ...healthy.notifier, ...n },
});

describe('npm run lag: the notifier beside the projector', () => {
  it('a healthy pipeline has no problem, and its notifier line says where it stands', () => {
    expect(verdict(healthy, limits)).toEqual([]);
    expect(formatStatus(healthy, [])).toMatch(
      /^notifier +caught up, missing 0, 7 delivered, 1 parked, 0 recorded, last event at 2026-12-07T21:00:00.000Z$/m,
    );
  });

  it('events missing from the notifier are a problem, though the projector has them all', () => {
    const problems = verdict(withNotifier({ missing: 2, eventsBehind: 2, lagSeconds: 12 }), limits);
    expect(problems).toEqual([expect.stringMatching(/^2 events missing from the notifier/)]);
    expect(formatStatus(withNotifier({ missing: 2, eventsBehind: 2, lagSeconds: 12 }), problems)).toMatch(
      /^notifier +2 events behind, oldest 12.0 s old, missing 2,/m,
    );
  });

  it("the notifier's lag beyond the limit is a problem of its own", () => {
    expect(verdict(withNotifier({ eventsBehind: 40, lagSeconds: 31 }), limits)).toEqual(['notifier lag 31.0 s exceeds 30 s']);
    expect(verdict(withNotifier({ eventsBehind: 40, lagSeconds: 29 }), limits)).toEqual([]);
  });

  it('its tables unreadable: named unreachable, its fields shown as unknown', () => {
    const status: SyncStatus = {
      ...withNotifier({
        eventsBehind: null,
        lagSeconds: null,
        missing: null,
        delivered: null,
        parked: null,
        recorded: null,
        lastEventAt: null,
      }),
      unreachable: ['notifier'],
    };
    expect(verdict(status, limits)).toEqual(['notifier unreachable']);
    expect(formatStatus(status, [])).toMatch(
      /^notifier +unknown, missing -, - delivered, - parked, - recorded, last event at -$/m,
    );
  });
});
