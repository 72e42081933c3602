import { describe, expect, it } from 'vitest';
import { mergeLines, priceOrder, type CatalogProduct } from './price-order.ts';

const catalog = new Map<number, CatalogProduct>([
  [1, { id: 1, category: 'kitchen', priceCents: 2999, stock: 5 }],
  [2, { id: 2, category: 'office', priceCents: 250, stock: 100 }],
]);

describe('mergeLines', () => {
  it('merges repeated products, sums quantities and keeps every stated price', () => {
    expect(
      mergeLines([
        { productId: 2, quantity: 1 },
        { productId: 1, quantity: 2, price: 29.99 },
        { productId: 2, quantity: 3, price: 2.5 },
      ]),
    ).toEqual([
      { productId: 1, quantity: 2, statedPriceCents: [2999] },
      { productId: 2, quantity: 4, statedPriceCents: [250] },
    ]);
  });
});

describe('priceOrder', () => {
  it('prices from the catalog in exact cents', () => {
    const result = priceOrder(
      mergeLines([
        { productId: 1, quantity: 2 },
        { productId: 2, quantity: 3 },
      ]),
      catalog,
    );
    expect(result).toEqual({
      kind: 'priced',
      totalCents: 5998 + 750,
      lines: [
        { productId: 1, category: 'kitchen', quantity: 2, unitPriceCents: 2999, lineTotalCents: 5998 },
        { productId: 2, category: 'office', quantity: 3, unitPriceCents: 250, lineTotalCents: 750 },
      ],
    });
  });

  it('refuses unknown products first, naming them (422)', () => {
    const result = priceOrder(
      mergeLines([
        { productId: 9, quantity: 1 },
        { productId: 1, quantity: 99 },
      ]),
      catalog,
    );
    expect(result.kind === 'rejected' && result.error).toMatchObject({
      status: 422,
      code: 'unknown_product',
      details: { productIds: [9] },
    });
  });

  it('refuses a stated price that differs from the catalog, with the current price (409)', () => {
    const result = priceOrder(mergeLines([{ productId: 1, quantity: 1, price: 19.99 }]), catalog);
    expect(result.kind === 'rejected' && result.error).toMatchObject({
      status: 409,
      code: 'price_mismatch',
      details: { productId: 1, requestedPrice: 19.99, currentPrice: 29.99 },
    });
  });

  it('checks stock against the merged quantity (409)', () => {
    const result = priceOrder(
      mergeLines([
        { productId: 1, quantity: 3 },
        { productId: 1, quantity: 3 },
      ]),
      catalog,
    );
    expect(result.kind === 'rejected' && result.error).toMatchObject({
      status: 409,
      code: 'insufficient_stock',
      details: { shortages: [{ productId: 1, requested: 6, available: 5 }] },
    });
  });

  it('accepts an order for exactly the stock left', () => {
    expect(priceOrder(mergeLines([{ productId: 1, quantity: 5 }]), catalog).kind).toBe('priced');
  });
});
