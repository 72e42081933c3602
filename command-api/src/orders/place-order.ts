import type pg from 'pg';
import { centsFromNumeric } from '@shop/shared/money';
import { toProductPayload } from '../products/product-row.ts';
import { lockProductsForOrder } from '../products/product-queries.ts';
import { mergeLines, priceOrder, type CatalogProduct } from './price-order.ts';
import type { PlaceOrder } from './schemas.ts';
import { writePlacedOrder } from './write-placed-order.ts';

/**
 * On the caller's transaction: locks the products (and draws the order id), prices the order from
 * the catalog, then writes the stock taken, the order, its lines, OrderPlaced and a
 * ProductUpdated (new stock) per product in one statement. A refusal throws before any write.
 * OrderPlaced is written in its current version (2): amounts in cents, in the shop's currency.
 */
export async function placeOrder(client: pg.PoolClient, input: PlaceOrder, shopCurrency: string): Promise<{ orderId: number }> {
  const lines = mergeLines(input.items);
  const { products, orderId } = await lockProductsForOrder(
    client,
    lines.map((l) => l.productId),
  );
  const catalog = new Map<number, CatalogProduct>(
    products.map((p) => [p.id, { id: p.id, category: p.category, priceCents: centsFromNumeric(p.price), stock: p.stock }]),
  );
  const pricing = priceOrder(lines, catalog);
  if (pricing.kind === 'rejected') throw pricing.error;
  // Priced means every product was found, so the locking read drew an id.
  if (orderId === undefined) throw new Error('no order id drawn for a priced order');

  // Milliseconds: the instant travels in the event as ISO 8601 and must equal the stored one.
  const placedAt = new Date();
  const taken = new Map(pricing.lines.map((l) => [l.productId, l.quantity]));
  const productEvents = products.map((p) => ({
    type: 'ProductUpdated' as const,
    aggregateId: p.id,
    payload: toProductPayload({ ...p, stock: p.stock - (taken.get(p.id) ?? 0) }),
  }));
  const orderPlaced = {
    type: 'OrderPlaced' as const,
    aggregateId: orderId,
    payload: {
      orderId,
      customerId: input.customerId,
      placedAt: placedAt.toISOString(),
      currency: shopCurrency,
      totalMinor: pricing.totalCents,
      items: pricing.lines.map((l) => ({
        productId: l.productId,
        category: l.category,
        quantity: l.quantity,
        unitPriceMinor: l.unitPriceCents,
        lineTotalMinor: l.lineTotalCents,
      })),
    },
  };
  await writePlacedOrder(client, {
    orderId,
    customerId: input.customerId,
    totalCents: pricing.totalCents,
    placedAt,
    lines: pricing.lines,
    events: [orderPlaced, ...productEvents],
  });
  return { orderId };
}
