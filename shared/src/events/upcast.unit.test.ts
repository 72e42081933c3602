import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { toCents } from '../money.ts';
import { MAX_AMOUNT_CENTS, MAX_PRICE_CENTS } from './limits.ts';
import { eventVersions, orderPlacedV1, orderPlacedV2 } from './schemas.ts';
import { foreignCurrency, upcast } from './upcast.ts';

const reader = { shopCurrency: 'USD' };
const v1 = {
  orderId: 3,
  customerId: 5,
  placedAt: '2026-11-23T02:38:22.143Z',
  total: 60.68,
  items: [
    { productId: 1, category: 'kitchen', quantity: 2, unitPrice: 29.99, lineTotal: 59.98 },
    { productId: 2, category: 'kitchen', quantity: 1, unitPrice: 0.1, lineTotal: 0.1 },
    { productId: 3, category: 'office', quantity: 3, unitPrice: 0.2, lineTotal: 0.6000000000000001 },
  ],
};

describe('upcast', () => {
  it('knows OrderPlaced at version 2 and every other type at version 1', () => {
    expect(Object.fromEntries(Object.entries(eventVersions).map(([type, v]) => [type, v.current]))).toEqual({
      ProductCreated: 1,
      ProductUpdated: 1,
      OrderPlaced: 2,
      OrderCancelled: 1,
    });
  });

  it('turns OrderPlaced v1 into v2: every amount in cents through toCents, in the shop currency', () => {
    expect(upcast('OrderPlaced', 1, v1, reader)).toEqual({
      orderId: 3,
      customerId: 5,
      placedAt: '2026-11-23T02:38:22.143Z',
      currency: 'USD',
      totalMinor: 6068,
      items: [
        { productId: 1, category: 'kitchen', quantity: 2, unitPriceMinor: 2999, lineTotalMinor: 5998 },
        { productId: 2, category: 'kitchen', quantity: 1, unitPriceMinor: 10, lineTotalMinor: 10 },
        { productId: 3, category: 'office', quantity: 3, unitPriceMinor: 20, lineTotalMinor: 60 },
      ],
    });
    expect(upcast('OrderPlaced', 1, v1, { shopCurrency: 'EUR' })).toMatchObject({ currency: 'EUR' });
  });

  it('leaves a payload of the current version as it is', () => {
    const v2 = upcast('OrderPlaced', 1, v1, reader);
    expect(upcast('OrderPlaced', 2, v2, reader)).toBe(v2);
    const product = { productId: 1, name: 'Mug', category: 'kitchen', price: 29.99, stock: 3 };
    expect(upcast('ProductCreated', 1, product, reader)).toBe(product);
  });

  it('makes of every valid v1 order a valid v2 order with the same cents the projector summed from v1', () => {
    const amount = (max: number) => fc.integer({ min: 0, max }).map((c) => c / 100);
    const line = fc.record({
      productId: fc.integer({ min: 1, max: 2 ** 31 - 1 }),
      category: fc.string({ maxLength: 100 }).filter((s) => !s.includes('\u0000')),
      quantity: fc.integer({ min: 1, max: 2 ** 31 - 1 }),
      unitPrice: amount(MAX_PRICE_CENTS),
      lineTotal: amount(MAX_AMOUNT_CENTS / 8),
    });
    const order = fc.record({
      orderId: fc.integer({ min: 1, max: 2 ** 31 - 1 }),
      customerId: fc.integer({ min: 1, max: 2 ** 31 - 1 }),
      placedAt: fc.constant('2026-11-23T02:38:22.143Z'),
      total: amount(MAX_AMOUNT_CENTS),
      items: fc.array(line, { maxLength: 8 }),
    });
    fc.assert(
      fc.property(order, (written) => {
        const checked = orderPlacedV1.parse(written);
        const v2 = orderPlacedV2.parse(upcast('OrderPlaced', 1, checked, reader));
        expect(v2.totalMinor).toBe(toCents(written.total));
        expect(v2.items.map((l) => [l.unitPriceMinor, l.lineTotalMinor])).toEqual(
          written.items.map((l) => [toCents(l.unitPrice), toCents(l.lineTotal)]),
        );
      }),
      { seed: 46, numRuns: 1000 },
    );
  });
});

describe('foreignCurrency', () => {
  const v2 = upcast('OrderPlaced', 1, v1, reader);

  it('lets through an order in the reader currency and events that name none', () => {
    expect(foreignCurrency('OrderPlaced', v2, reader)).toBeUndefined();
    const product = { productId: 1, name: 'Mug', category: 'kitchen', price: 29.99, stock: 3 };
    expect(foreignCurrency('ProductCreated', product, reader)).toBeUndefined();
  });

  it('says why an order in another currency cannot be added up here', () => {
    expect(foreignCurrency('OrderPlaced', { ...v2, currency: 'EUR' }, reader)).toBe(
      'OrderPlaced is in EUR, and this read side adds up amounts in USD (SHOP_CURRENCY) without converting',
    );
  });
});
