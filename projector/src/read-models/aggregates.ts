import type { Plan } from '../projection/plan.ts';

/** Product sales deltas for projection.apply_batch (migration 006), negative for cancels. */
export function productSalesColumns(deltas: Plan['productSales']) {
  const rows = [...deltas];
  return [
    rows.map(([id]) => id),
    rows.map(([, d]) => d.quantity),
    rows.map(([, d]) => d.revenueCents),
    rows.map(([, d]) => d.orders),
  ] as const;
}

export function categoryRevenueColumns(deltas: Plan['categoryRevenue']) {
  const rows = [...deltas];
  return [rows.map(([category]) => category), rows.map(([, d]) => d.revenueCents), rows.map(([, d]) => d.orders)] as const;
}

/**
 * Spend and order counts per customer; the function then recomputes the last order date of the
 * customers touched from their projected orders (the newest not cancelled).
 */
export function customerValueColumns(deltas: Plan['customerValue']) {
  const rows = [...deltas];
  return [rows.map(([id]) => id), rows.map(([, d]) => d.spentCents), rows.map(([, d]) => d.orders)] as const;
}
