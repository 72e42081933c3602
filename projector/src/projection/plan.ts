import type { EventPayload, KnownEvent } from '@shop/shared/events';
import { toCents } from '@shop/shared/money';

export type OrderPlaced = EventPayload<'OrderPlaced'>;
export type OrderCancelled = EventPayload<'OrderCancelled'>;

/**
 * What a batch of new (not yet applied) events does to the read models, as data: the latest
 * state of each product, the order rows to write, and additive deltas for the per-product,
 * per-category and per-customer aggregates. Pure, so the rules are unit-tested without a
 * database. Hourly sales and the customer's last order date depend on the orders already
 * projected (a cancel does not say when the order was placed): projection.apply_batch
 * (migrations/006_apply_batch.sql) derives them in SQL.
 */
export interface Plan {
  products: Map<number, { product: EventPayload<'ProductCreated'>; occurredAt: Date }>;
  placements: OrderPlaced[];
  cancellations: OrderCancelled[];
  productSales: Map<number, { quantity: number; revenueCents: number; orders: number }>;
  categoryRevenue: Map<string, { revenueCents: number; orders: number }>;
  customerValue: Map<number, { spentCents: number; orders: number }>;
}

export function planEvents(events: KnownEvent[]): Plan {
  const plan: Plan = {
    products: new Map(),
    placements: [],
    cancellations: [],
    productSales: new Map(),
    categoryRevenue: new Map(),
    customerValue: new Map(),
  };
  for (const event of events) {
    switch (event.type) {
      case 'ProductCreated':
      case 'ProductUpdated':
        keepLatestProduct(plan, event.payload, event.occurredAt);
        break;
      case 'OrderPlaced':
        plan.placements.push(event.payload);
        addOrder(plan, event.payload, +1);
        break;
      case 'OrderCancelled':
        plan.cancellations.push(event.payload);
        addOrder(plan, event.payload, -1);
        break;
    }
  }
  return plan;
}

function keepLatestProduct(plan: Plan, product: EventPayload<'ProductCreated'>, occurredAt: Date) {
  const current = plan.products.get(product.productId);
  if (!current || current.occurredAt <= occurredAt) plan.products.set(product.productId, { product, occurredAt });
}

/** Adds (+1) or subtracts (-1) one order from the additive aggregates; an order counts once per product and per category. */
function addOrder(plan: Plan, order: OrderPlaced | OrderCancelled, sign: 1 | -1) {
  for (const line of order.items) {
    const sales = entry(plan.productSales, line.productId, () => ({ quantity: 0, revenueCents: 0, orders: 0 }));
    sales.quantity += sign * line.quantity;
    sales.revenueCents += sign * toCents(line.lineTotal);
    sales.orders += sign;
  }
  const centsByCategory = new Map<string, number>();
  for (const line of order.items) {
    centsByCategory.set(line.category, (centsByCategory.get(line.category) ?? 0) + toCents(line.lineTotal));
  }
  for (const [category, cents] of centsByCategory) {
    const revenue = entry(plan.categoryRevenue, category, () => ({ revenueCents: 0, orders: 0 }));
    revenue.revenueCents += sign * cents;
    revenue.orders += sign;
  }
  const customer = entry(plan.customerValue, order.customerId, () => ({ spentCents: 0, orders: 0 }));
  customer.spentCents += sign * toCents(order.total);
  customer.orders += sign;
}

function entry<K, V>(map: Map<K, V>, key: K, initial: () => V): V {
  let value = map.get(key);
  if (value === undefined) {
    value = initial();
    map.set(key, value);
  }
  return value;
}
