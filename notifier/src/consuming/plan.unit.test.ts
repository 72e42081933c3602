import { describe, expect, it } from 'vitest';
import type { DecodeResult, KnownEvent } from '@shop/shared/events';
import { planBatch, planDelivery } from './plan.ts';

const id = '7f1c0c7e-2f5e-4d59-9d2a-0c4b1f3b8e11';
const at = new Date('2026-12-07T12:00:00Z');
const items = [{ productId: 1, category: 'c', quantity: 1, unitPriceMinor: 100, lineTotalMinor: 100 }];
const placed = {
  type: 'OrderPlaced',
  id,
  version: 1,
  occurredAt: at,
  aggregateId: '42',
  position: 7,
  payload: { orderId: 42, customerId: 9, placedAt: at.toISOString(), currency: 'USD', totalMinor: 100, items },
} as KnownEvent;
const product = {
  type: 'ProductUpdated',
  id,
  version: 1,
  occurredAt: at,
  aggregateId: '1',
  position: 8,
  payload: {},
} as unknown as KnownEvent;
const event = (e: KnownEvent): DecodeResult => ({ kind: 'event', event: e });

describe("the notifier's settle states", () => {
  it('notifies an OrderPlaced or OrderCancelled it has not settled', () => {
    expect(planDelivery(event(placed), new Map())).toEqual({ action: 'notify', event: placed });
    const cancelled = { ...placed, type: 'OrderCancelled' } as KnownEvent;
    expect(planDelivery(event(cancelled), new Map()).action).toBe('notify');
  });

  it('acks without a POST an event the inbox has settled, whatever its state', () => {
    for (const state of ['delivered', 'parked', 'skipped', 'recorded'] as const)
      expect(planDelivery(event(placed), new Map([[id, state]]))).toEqual({ action: 'duplicate', id, state });
  });

  it('records other types as skipped, known or not', () => {
    expect(planDelivery(event(product), new Map())).toEqual({
      action: 'skip',
      id,
      type: 'ProductUpdated',
      position: 8,
      occurredAt: at,
    });
    const unknown: DecodeResult = { kind: 'unsupported', id, type: 'CustomerRegistered', version: 1, reason: 'unknown type' };
    expect(planDelivery(unknown, new Map())).toEqual({
      action: 'skip',
      id,
      type: 'CustomerRegistered',
      position: null,
      occurredAt: null,
    });
  });

  it('parks a notified type of a version it cannot read, with the reason', () => {
    const v9: DecodeResult = { kind: 'unsupported', id, type: 'OrderPlaced', version: 9, reason: 'version 9 unknown' };
    expect(planDelivery(v9, new Map())).toEqual({ action: 'park', id, type: 'OrderPlaced', reason: 'version 9 unknown' });
    expect(planDelivery(v9, new Map([[id, 'parked']])).action).toBe('duplicate');
  });

  it('dead-letters what is not an event', () => {
    expect(planDelivery({ kind: 'invalid', reason: 'bad headers' }, new Map())).toEqual({
      action: 'dead-letter',
      reason: 'bad headers',
    });
  });

  it('POSTs an event once when a batch carries two copies of it (a redelivery beside the original)', () => {
    const other = { ...placed, id: '0b6f4f1e-8d1c-4a4e-9e52-3f0d2f9a7c10' } as KnownEvent;
    const plans = planBatch([event(placed), event(other), event(placed)], new Map());
    expect(plans.map((p) => p.action)).toEqual(['notify', 'notify', 'duplicate']);
    // Settled before the batch: every copy is a duplicate of the inbox's row.
    expect(planBatch([event(placed), event(placed)], new Map([[id, 'delivered']])).map((p) => p.action)).toEqual([
      'duplicate',
      'duplicate',
    ]);
  });
});
