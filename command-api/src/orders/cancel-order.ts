import type pg from 'pg';
import { AppError, notFound } from '@shop/shared/http';
import { centsFromNumeric, fromCents } from '@shop/shared/money';
import { appendEvents } from '../outbox/append-event.ts';
import { productUpdates } from '../products/product-updates.ts';
import { adjustStock, lockProducts } from '../products/product-queries.ts';
import { lockOrder, markCancelled, orderItems } from './order-queries.ts';

/**
 * On the caller's transaction: puts the stock back and appends OrderCancelled with the same lines
 * as OrderPlaced (so projections can subtract exactly what they added) plus ProductUpdated per product.
 */
export async function cancelOrder(client: pg.PoolClient, orderId: number): Promise<{ orderId: number; status: 'cancelled' }> {
  const order = await lockOrder(client, orderId);
  if (!order) throw notFound(`order ${orderId}`);
  if (order.status === 'cancelled') {
    throw new AppError(409, 'already_cancelled', `order ${orderId} is already cancelled`, {
      orderId,
      cancelledAt: order.cancelled_at?.toISOString(),
    });
  }
  const items = await orderItems(client, orderId);
  await lockProducts(
    client,
    items.map((i) => i.product_id),
  );
  const updated = await adjustStock(
    client,
    items.map((i) => ({ productId: i.product_id, delta: i.quantity })),
  );
  const cancelledAt = await markCancelled(client, orderId);
  const event = {
    orderId,
    customerId: order.customer_id,
    cancelledAt: cancelledAt.toISOString(),
    total: fromCents(centsFromNumeric(order.total)),
    items: items.map((i) => ({
      productId: i.product_id,
      category: i.category,
      quantity: i.quantity,
      unitPrice: fromCents(centsFromNumeric(i.unit_price)),
      lineTotal: fromCents(centsFromNumeric(i.line_total)),
    })),
  };
  await appendEvents(client, [{ type: 'OrderCancelled', aggregateId: orderId, payload: event }, ...productUpdates(updated)]);
  return { orderId, status: 'cancelled' };
}
