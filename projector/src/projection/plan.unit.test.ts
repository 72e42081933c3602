import { describe, expect, it } from 'vitest';
import type { KnownEvent } from '@shop/shared/events';
import { planEvents } from './plan.ts';

let n = 0;
const at = (iso: string) => new Date(iso);
function event<T extends KnownEvent['type']>(
  type: T,
  payload: Extract<KnownEvent, { type: T }>['payload'],
  occurredAt = '2026-11-23T10:00:00Z',
) {
  n += 1;
  return {
    type,
    payload,
    id: `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`,
    version: 1,
    occurredAt: at(occurredAt),
    aggregateId: '1',
  } as KnownEvent;
}
const lines = [
  { productId: 1, category: 'kitchen', quantity: 2, unitPrice: 29.99, lineTotal: 59.98 },
  { productId: 2, category: 'kitchen', quantity: 1, unitPrice: 0.1, lineTotal: 0.1 },
  { productId: 3, category: 'office', quantity: 3, unitPrice: 0.2, lineTotal: 0.6 },
];
const placed = (orderId: number, customerId = 7) =>
  event('OrderPlaced', { orderId, customerId, placedAt: '2026-11-23T10:15:00Z', total: 60.68, items: lines });
const cancelled = (orderId: number, customerId = 7) =>
  event('OrderCancelled', { orderId, customerId, cancelledAt: '2026-11-23T11:00:00Z', total: 60.68, items: lines });

describe('planEvents', () => {
  it('given an order placed, adds it to every aggregate once per product, category and customer, in cents', () => {
    const plan = planEvents([placed(1)]);
    expect(plan.placements).toHaveLength(1);
    expect(Object.fromEntries(plan.productSales)).toEqual({
      1: { quantity: 2, revenueCents: 5998, orders: 1 },
      2: { quantity: 1, revenueCents: 10, orders: 1 },
      3: { quantity: 3, revenueCents: 60, orders: 1 },
    });
    expect(Object.fromEntries(plan.categoryRevenue)).toEqual({
      kitchen: { revenueCents: 6008, orders: 1 },
      office: { revenueCents: 60, orders: 1 },
    });
    expect(Object.fromEntries(plan.customerValue)).toEqual({ 7: { spentCents: 6068, orders: 1 } });
  });

  it('given an order placed and cancelled, nets every aggregate to zero', () => {
    const plan = planEvents([placed(2), cancelled(2)]);
    for (const sales of plan.productSales.values()) expect(sales).toEqual({ quantity: 0, revenueCents: 0, orders: 0 });
    for (const revenue of plan.categoryRevenue.values()) expect(revenue).toEqual({ revenueCents: 0, orders: 0 });
    expect(plan.customerValue.get(7)).toEqual({ spentCents: 0, orders: 0 });
    expect(plan.cancellations.map((c) => c.orderId)).toEqual([2]);
  });

  it('given a cancel alone (its placement came in an earlier batch), subtracts', () => {
    const plan = planEvents([cancelled(3, 8)]);
    expect(plan.customerValue.get(8)).toEqual({ spentCents: -6068, orders: -1 });
    expect(plan.productSales.get(1)).toEqual({ quantity: -2, revenueCents: -5998, orders: -1 });
  });

  it('keeps only the newest state of a product, by occurred-at', () => {
    const product = (stock: number) => ({ productId: 5, name: 'P', category: 'c', price: 1, stock });
    const plan = planEvents([
      event('ProductCreated', product(10), '2026-11-23T10:00:00Z'),
      event('ProductUpdated', product(4), '2026-11-23T10:02:00Z'),
      event('ProductUpdated', product(7), '2026-11-23T10:01:00Z'),
    ]);
    expect(plan.products.get(5)?.product.stock).toBe(4);
  });

  it('plans nothing for an empty batch', () => {
    const plan = planEvents([]);
    expect([plan.products.size, plan.placements.length, plan.productSales.size, plan.customerValue.size]).toEqual([0, 0, 0, 0]);
  });
});
