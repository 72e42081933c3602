import { centsToNumeric, toCents } from '@shop/shared/money';
import type { Plan } from '../projection/plan.ts';

/**
 * The catalog's columns for projection.apply_batch (migration 006): the latest state of each
 * product; both product events carry the full state, and an older state never overwrites a newer one.
 */
export function productColumns(products: Plan['products']) {
  const rows = [...products.values()];
  return [
    rows.map((r) => r.product.productId),
    rows.map((r) => r.product.name),
    rows.map((r) => r.product.category),
    rows.map((r) => centsToNumeric(toCents(r.product.price))),
    rows.map((r) => r.product.stock),
    rows.map((r) => r.occurredAt),
  ] as const;
}
