import { describe, expect, inject, it } from 'vitest';
import { request, commandApiForThisFile } from '../support/command-api.ts';

const stack = inject('stack');
const api = commandApiForThisFile(stack, { poolMax: 20 });

describe('concurrent orders for a low-stock product', () => {
  it('never oversell: stock never below zero and every 201 is backed by stock', async () => {
    const initialStock = 25;
    const created = await request(`${api.url}/api/products`, {
      method: 'POST',
      json: { name: 'Limited', category: 'rare', price: 10, stock: initialStock },
    });
    const productId = created.body.productId as number;

    // 120 orders of 1–3 units at once, for about 8× the stock.
    const quantities = Array.from({ length: 120 }, (_, i) => (i % 3) + 1);
    const replies = await Promise.all(
      quantities.map((quantity, i) =>
        request(`${api.url}/api/orders`, { method: 'POST', json: { customerId: i + 1, items: [{ productId, quantity }] } }),
      ),
    );

    const accepted = replies.flatMap((r, i) =>
      r.status === 201 ? [{ orderId: r.body.orderId as number, quantity: quantities[i]! }] : [],
    );
    const refused = replies.filter((r) => r.status === 409);
    expect(accepted.length + refused.length).toBe(quantities.length);
    for (const r of refused) expect(r.body.error).toBe('insufficient_stock');
    expect(accepted.length).toBeGreaterThan(0);
    expect(refused.length).toBeGreaterThan(0);

    const soldByReplies = accepted.reduce((sum, a) => sum + a.quantity, 0);
    const { rows: stockRows } = await api.pool.query('SELECT stock FROM products WHERE id = $1', [productId]);
    const { rows: orderRows } = await api.pool.query(
      'SELECT o.id, i.quantity FROM orders o JOIN order_items i ON i.order_id = o.id WHERE i.product_id = $1 ORDER BY o.id',
      [productId],
    );
    expect(stockRows[0].stock).toBeGreaterThanOrEqual(0);
    expect(stockRows[0].stock).toBe(initialStock - soldByReplies);
    // Every 201 has its order in the database, and no order exists without a 201.
    expect(orderRows.map((r) => r.id).sort()).toEqual(accepted.map((a) => a.orderId).sort());
    // The stock was sold down until no order could fit: what is left is below the smallest refused quantity.
    const smallestRefused = Math.min(...replies.flatMap((r, i) => (r.status === 409 ? [quantities[i]!] : [])));
    expect(stockRows[0].stock).toBeLessThan(smallestRefused);

    // The stock in each ProductUpdated is the stock that order left: in commit order, every event
    // is the previous one minus that order's quantity, down to what is in the table.
    const { rows: updates } = await api.pool.query(
      `SELECT (payload->>'stock')::int AS stock FROM outbox
        WHERE aggregatetype = 'product' AND aggregateid = $1 AND type = 'ProductUpdated' ORDER BY position`,
      [String(productId)],
    );
    expect(updates).toHaveLength(accepted.length);
    const taken = updates.map((u, i) => (i === 0 ? initialStock : (updates[i - 1]!.stock as number)) - (u.stock as number));
    expect(taken.every((q) => q >= 1 && q <= 3)).toBe(true);
    expect(taken.reduce((sum, q) => sum + q, 0)).toBe(soldByReplies);
    expect(updates.at(-1)!.stock).toBe(stockRows[0].stock);
  });
});
