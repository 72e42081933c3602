import type pg from 'pg';
import { centsFromNumeric, centsToNumeric, fromCents } from '@shop/shared/money';
import { appendEvents } from '../outbox/append-event.ts';
import { productUpdates } from '../products/product-updates.ts';
import { adjustStock, lockProducts } from '../products/product-queries.ts';
import { insertOrder, insertOrderItems } from './order-queries.ts';
import { mergeLines, priceOrder, type CatalogProduct } from './price-order.ts';
import type { PlaceOrder } from './schemas.ts';

/**
 * On the caller's transaction: locks the products, prices the order from the catalog, takes the
 * stock, writes the order and its lines, and appends OrderPlaced plus a ProductUpdated (new
 * stock) per product. A refusal throws before anything is written.
 */
export async function placeOrder(client: pg.PoolClient, input: PlaceOrder): Promise<{ orderId: number }> {
  const lines = mergeLines(input.items);
  const products = await lockProducts(
    client,
    lines.map((l) => l.productId),
  );
  const catalog = new Map<number, CatalogProduct>(
    products.map((p) => [p.id, { id: p.id, category: p.category, priceCents: centsFromNumeric(p.price), stock: p.stock }]),
  );
  const pricing = priceOrder(lines, catalog);
  if (pricing.kind === 'rejected') throw pricing.error;

  const updated = await adjustStock(
    client,
    pricing.lines.map((l) => ({ productId: l.productId, delta: -l.quantity })),
  );
  const order = await insertOrder(client, input.customerId, centsToNumeric(pricing.totalCents));
  await insertOrderItems(client, order.id, pricing.lines);
  const event = {
    orderId: order.id,
    customerId: order.customer_id,
    placedAt: order.placed_at.toISOString(),
    total: fromCents(pricing.totalCents),
    items: pricing.lines.map((l) => ({
      productId: l.productId,
      category: l.category,
      quantity: l.quantity,
      unitPrice: fromCents(l.unitPriceCents),
      lineTotal: fromCents(l.lineTotalCents),
    })),
  };
  await appendEvents(client, [{ type: 'OrderPlaced', aggregateId: order.id, payload: event }, ...productUpdates(updated)]);
  return { orderId: order.id };
}
