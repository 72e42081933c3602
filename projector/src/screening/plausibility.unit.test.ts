import { describe, expect, it } from 'vitest';
import type { KnownEvent } from '@shop/shared/events';
import { doubtAbout, screenEvents } from './plausibility.ts';

const NOW = Date.parse('2026-11-23T10:00:00.000Z');
const bounds = { now: NOW, maxClockSkewMs: 60_000, highestPosition: 100 };
const iso = (ms: number) => new Date(ms).toISOString();

const product = (over: Partial<KnownEvent> = {}) =>
  ({
    type: 'ProductUpdated',
    id: '00000000-0000-4000-8000-000000000001',
    version: 1,
    occurredAt: new Date(NOW),
    aggregateId: '1',
    position: 100,
    payload: { productId: 1, name: 'Mug', category: 'kitchen', price: 1, stock: 1 },
    ...over,
  }) as KnownEvent;

const order = (type: 'OrderPlaced' | 'OrderCancelled', at: string) =>
  ({
    type,
    id: '00000000-0000-4000-8000-000000000002',
    version: 1,
    occurredAt: new Date(NOW),
    aggregateId: '7',
    position: 50,
    payload: { orderId: 7, customerId: 3, [type === 'OrderPlaced' ? 'placedAt' : 'cancelledAt']: at, total: 1, items: [] },
  }) as unknown as KnownEvent;

describe('doubtAbout: what a message from the broker cannot be', () => {
  it('trusts an event at the bounds: occurred up to the allowed skew ahead, at the highest position known', () => {
    expect(doubtAbout(product({ occurredAt: new Date(NOW + 60_000) }), bounds)).toBeUndefined();
    expect(doubtAbout(product({ occurredAt: new Date(0) }), bounds)).toBeUndefined();
    expect(doubtAbout(product({ position: null }), bounds)).toBeUndefined();
  });

  it('doubts for good an instant beyond the skew: occurredAt, placedAt, cancelledAt', () => {
    expect(doubtAbout(product({ occurredAt: new Date(NOW + 60_001) }), bounds)).toEqual({
      kind: 'future',
      reason: `untrusted: occurredAt ${iso(NOW + 60_001)} is more than 60 s ahead of this projector's clock (PROJECTOR_MAX_CLOCK_SKEW_MS)`,
    });
    expect(doubtAbout(order('OrderPlaced', '9999-12-31T00:00:00Z'), bounds)).toMatchObject({
      kind: 'future',
      reason: expect.stringMatching(/^untrusted: placedAt 9999-12-31T00:00:00.000Z is more than 60 s ahead/),
    });
    expect(doubtAbout(order('OrderCancelled', iso(NOW + 3_600_000)), bounds)).toMatchObject({
      kind: 'future',
      reason: expect.stringMatching(/^untrusted: cancelledAt /),
    });
    expect(doubtAbout(order('OrderPlaced', iso(NOW + 59_000)), bounds)).toBeUndefined();
  });

  it('a skew of 0 trusts nothing ahead of the clock', () => {
    expect(doubtAbout(product({ occurredAt: new Date(NOW + 1) }), { ...bounds, maxClockSkewMs: 0 })).toMatchObject({
      kind: 'future',
    });
  });

  it('doubts a position above the highest known only until a fresh mark says so too', () => {
    expect(doubtAbout(product({ position: 101 }), bounds)).toEqual({
      kind: 'above-mark',
      reason: "untrusted: position 101 is above the outbox's highest position 100",
    });
    expect(doubtAbout(product({ position: Number.MAX_SAFE_INTEGER }), { ...bounds, highestPosition: 0 })).toMatchObject({
      kind: 'above-mark',
    });
  });

  it('names the instant before the position: a future event is parked whatever the mark', () => {
    expect(doubtAbout(product({ occurredAt: new Date(NOW + 120_000), position: 101 }), bounds)?.kind).toBe('future');
  });
});

describe('screenEvents', () => {
  it('splits a batch, and asks for a fresh mark only when a doubt is about the position', () => {
    const ok = product();
    const ahead = product({ position: 101 });
    const future = product({ occurredAt: new Date(NOW + 61_000) });
    const screened = screenEvents([ok, future, ahead], bounds);
    expect(screened.trusted).toEqual([ok]);
    expect(screened.doubted.map((d) => [d.event, d.doubt.kind])).toEqual([
      [future, 'future'],
      [ahead, 'above-mark'],
    ]);
    expect(screened.needsFreshMark).toBe(true);
    expect(screenEvents([ok, future], bounds).needsFreshMark).toBe(false);
    expect(screenEvents([ok, ahead], { ...bounds, highestPosition: 101 })).toMatchObject({ doubted: [], needsFreshMark: false });
  });
});
