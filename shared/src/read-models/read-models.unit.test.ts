import { describe, expect, it } from 'vitest';
import type { KnownEvent } from '../events/index.ts';
import { readdirSync, statSync } from 'node:fs';
import { categoryRevenue, revenueDeltas } from './category-revenue/index.ts';
import { valueDeltas } from './customer-value/index.ts';
import { READ_MODELS } from './index.ts';
import { ordersOf } from './orders/index.ts';
import { latestStates } from './products/index.ts';
import { salesDeltas } from './product-sales/index.ts';

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
/** As decoded: OrderPlaced in its current shape (v2, cents), whatever version it was written in. */
const placed = (orderId: number, customerId = 7) =>
  event('OrderPlaced', {
    orderId,
    customerId,
    placedAt: '2026-11-23T10:15:00Z',
    currency: 'USD',
    totalMinor: 6068,
    items: lines.map(({ unitPrice, lineTotal, ...l }) => ({
      ...l,
      unitPriceMinor: Math.round(unitPrice * 100),
      lineTotalMinor: Math.round(lineTotal * 100),
    })),
  });
const cancelled = (orderId: number, customerId = 7) =>
  event('OrderCancelled', { orderId, customerId, cancelledAt: '2026-11-23T11:00:00Z', total: 60.68, items: lines });

describe('the read models, each planning its share of a batch', () => {
  it('given an order placed, adds it to every aggregate once per product, category and customer, in cents', () => {
    const batch = [placed(1)];
    expect(ordersOf(batch).placements).toHaveLength(1);
    expect(Object.fromEntries(salesDeltas(batch))).toEqual({
      1: { quantity: 2, revenueCents: 5998, orders: 1 },
      2: { quantity: 1, revenueCents: 10, orders: 1 },
      3: { quantity: 3, revenueCents: 60, orders: 1 },
    });
    expect(Object.fromEntries(revenueDeltas(batch))).toEqual({
      kitchen: { revenueCents: 6008, orders: 1 },
      office: { revenueCents: 60, orders: 1 },
    });
    expect(Object.fromEntries(valueDeltas(batch))).toEqual({ 7: { spentCents: 6068, orders: 1 } });
  });

  it('given an order placed and cancelled, nets every aggregate to zero', () => {
    const batch = [placed(2), cancelled(2)];
    for (const sales of salesDeltas(batch).values()) expect(sales).toEqual({ quantity: 0, revenueCents: 0, orders: 0 });
    for (const revenue of revenueDeltas(batch).values()) expect(revenue).toEqual({ revenueCents: 0, orders: 0 });
    expect(valueDeltas(batch).get(7)).toEqual({ spentCents: 0, orders: 0 });
    expect(ordersOf(batch).cancellations.map((c) => c.orderId)).toEqual([2]);
  });

  it('given a cancel alone (its placement came in an earlier batch), subtracts', () => {
    const batch = [cancelled(3, 8)];
    expect(valueDeltas(batch).get(8)).toEqual({ spentCents: -6068, orders: -1 });
    expect(salesDeltas(batch).get(1)).toEqual({ quantity: -2, revenueCents: -5998, orders: -1 });
  });

  it('keeps only the newest state of a product, by occurred-at', () => {
    const product = (stock: number) => ({ productId: 5, name: 'P', category: 'c', price: 1, stock });
    const latest = latestStates([
      event('ProductCreated', product(10), '2026-11-23T10:00:00Z'),
      event('ProductUpdated', product(4), '2026-11-23T10:02:00Z'),
      event('ProductUpdated', product(7), '2026-11-23T10:01:00Z'),
    ]);
    expect(latest.get(5)?.product.stock).toBe(4);
  });

  it('plans nothing for an empty batch: every parameter an empty array', () => {
    for (const model of READ_MODELS) {
      for (const column of model.parameters([])) expect(column, model.name).toEqual([]);
    }
  });

  it('gives each function one column per declared parameter type', () => {
    for (const model of READ_MODELS) expect(model.parameters([placed(4)]), model.name).toHaveLength(model.parameterTypes.length);
    expect(categoryRevenue.parameters([placed(5)])).toEqual([
      ['kitchen', 'office'],
      [6008, 60],
      [1, 1],
    ]);
  });
});

describe('the registry', () => {
  it('lists every read model folder once, by its folder name, and no table twice', () => {
    const folders = readdirSync(import.meta.dirname).filter((f) => statSync(`${import.meta.dirname}/${f}`).isDirectory());
    expect(READ_MODELS.map((m) => m.name).sort()).toEqual(folders.sort());
    const tables = READ_MODELS.flatMap((m) => m.tables);
    expect(new Set(tables).size).toBe(tables.length);
  });

  it('checks every table of every read model', () => {
    for (const model of READ_MODELS)
      expect(model.checks.map((c) => c.table).sort(), model.name).toEqual([...model.tables].sort());
  });
});
