import { toCents } from '@shop/shared/money';
import type { OrderCancelled, OrderPlaced } from '../projection/plan.ts';

/**
 * The columns of the orders placed for projection.apply_batch (migration 006): the order row and,
 * for hourly sales, the items sold (a cancel seen first keeps the order's status).
 */
export function placedOrderColumns(orders: OrderPlaced[]) {
  return [
    orders.map((o) => o.orderId),
    orders.map((o) => o.customerId),
    orders.map((o) => toCents(o.total)),
    orders.map((o) => o.placedAt),
    orders.map(itemsSold),
  ] as const;
}

/** The columns of the orders cancelled: the status and time, and the items for hourly sales. */
export function cancelledOrderColumns(orders: OrderCancelled[]) {
  return [
    orders.map((o) => o.orderId),
    orders.map((o) => o.customerId),
    orders.map((o) => toCents(o.total)),
    orders.map((o) => o.cancelledAt),
    orders.map(itemsSold),
  ] as const;
}

/** The lines of placed and cancelled orders (a cancel brings them in case the placement is not seen yet). */
export function orderLineColumns(orders: (OrderPlaced | OrderCancelled)[]) {
  const lines = orders.flatMap((o) => o.items.map((l) => ({ orderId: o.orderId, ...l })));
  return [
    lines.map((l) => l.orderId),
    lines.map((l) => l.productId),
    lines.map((l) => l.category),
    lines.map((l) => l.quantity),
    lines.map((l) => toCents(l.unitPrice)),
    lines.map((l) => toCents(l.lineTotal)),
  ] as const;
}

const itemsSold = (order: OrderPlaced | OrderCancelled) => order.items.reduce((n, l) => n + l.quantity, 0);
