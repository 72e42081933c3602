import { AppError } from '@shop/shared/http';
import { fromCents, toCents } from '@shop/shared/money';
import type { OrderLineRequest } from './schemas.ts';

export interface CatalogProduct {
  id: number;
  category: string;
  priceCents: number;
  stock: number;
}

export interface MergedLine {
  productId: number;
  quantity: number;
  /** Every price the client stated for this product (one per original line that had one). */
  statedPriceCents: number[];
}

export interface PricedLine {
  productId: number;
  category: string;
  quantity: number;
  unitPriceCents: number;
  lineTotalCents: number;
}

export type Pricing = { kind: 'priced'; lines: PricedLine[]; totalCents: number } | { kind: 'rejected'; error: AppError };

/** Repeated lines for one product become one line with the summed quantity; ordered by product id. */
export function mergeLines(items: OrderLineRequest[]): MergedLine[] {
  const byProduct = new Map<number, MergedLine>();
  for (const item of items) {
    const line = byProduct.get(item.productId) ?? { productId: item.productId, quantity: 0, statedPriceCents: [] };
    line.quantity += item.quantity;
    if (item.price !== undefined) line.statedPriceCents.push(toCents(item.price));
    byProduct.set(item.productId, line);
  }
  return [...byProduct.values()].sort((a, b) => a.productId - b.productId);
}

/**
 * Prices an order from the catalog (locked by the caller). Refusals, in this order: unknown
 * products (422), a stated price that is not the catalog's (409), not enough stock (409).
 */
export function priceOrder(lines: MergedLine[], catalog: Map<number, CatalogProduct>): Pricing {
  const unknown = lines.filter((l) => !catalog.has(l.productId)).map((l) => l.productId);
  if (unknown.length > 0) {
    return reject(422, 'unknown_product', `unknown product(s): ${unknown.join(', ')}`, { productIds: unknown });
  }

  const mismatches = lines.flatMap((l) => {
    const current = catalog.get(l.productId)!.priceCents;
    return l.statedPriceCents
      .filter((stated) => stated !== current)
      .map((stated) => ({ productId: l.productId, requestedPrice: fromCents(stated), currentPrice: fromCents(current) }));
  });
  if (mismatches.length > 0) {
    const first = mismatches[0]!;
    const message = `price of product ${first.productId} is ${first.currentPrice}, not ${first.requestedPrice}`;
    return reject(409, 'price_mismatch', message, { ...first, mismatches });
  }

  const shortages = lines
    .map((l) => ({ productId: l.productId, requested: l.quantity, available: catalog.get(l.productId)!.stock }))
    .filter((s) => s.requested > s.available);
  if (shortages.length > 0) {
    const ids = shortages.map((s) => s.productId).join(', ');
    return reject(409, 'insufficient_stock', `not enough stock for product(s): ${ids}`, { shortages });
  }

  const priced = lines.map((l) => {
    const product = catalog.get(l.productId)!;
    return {
      productId: l.productId,
      category: product.category,
      quantity: l.quantity,
      unitPriceCents: product.priceCents,
      lineTotalCents: product.priceCents * l.quantity,
    };
  });
  return { kind: 'priced', lines: priced, totalCents: priced.reduce((sum, l) => sum + l.lineTotalCents, 0) };
}

function reject(
  status: number,
  code: 'unknown_product' | 'price_mismatch' | 'insufficient_stock',
  message: string,
  details: object,
): Pricing {
  return { kind: 'rejected', error: new AppError(status, code, message, { ...details }) };
}
