import { commandApi, postJson } from './clients.ts';
import type { StackConfig } from '../../infra/src/stack-config.ts';
import { random } from './random.ts';

export interface WorkloadResult {
  products: number[];
  orders: number[];
  cancelled: number[];
}

/**
 * Products in a few categories, then orders of 1–3 lines (some concurrent on the same products),
 * cancels of about a quarter of them, and price and stock changes in between.
 */
export async function runMixedWorkload(stack: StackConfig, seed: number, orderCount: number): Promise<WorkloadResult> {
  const rnd = random(seed);
  const api = commandApi(stack);
  const products: number[] = [];
  for (let i = 0; i < 6; i++) {
    const price = rnd.int(100, 9999) / 100;
    const res = await postJson(`${api}/api/products`, {
      name: `W${seed}-${i}`,
      category: `cat-${seed}-${i % 3}`,
      price,
      stock: 100_000,
    });
    products.push(res.body.productId as number);
  }
  const orders: number[] = [];
  const cancelled: number[] = [];
  for (let start = 0; start < orderCount; start += 10) {
    const wave = Array.from({ length: Math.min(10, orderCount - start) }, () => {
      const lines = Array.from({ length: rnd.int(1, 3) }, () => ({
        productId: products[rnd.int(0, products.length - 1)]!,
        quantity: rnd.int(1, 5),
      }));
      return postJson(`${api}/api/orders`, { customerId: rnd.int(1, 8) + seed * 100, items: lines });
    });
    for (const res of await Promise.all(wave)) if (res.status === 201) orders.push(res.body.orderId as number);
    const toCancel = orders.filter((id) => !cancelled.includes(id) && rnd.next() < 0.25);
    for (const id of toCancel) {
      const res = await fetch(`${api}/api/orders/${id}/cancel`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
      });
      if (res.status === 200) cancelled.push(id);
    }
    const productId = products[rnd.int(0, products.length - 1)]!;
    await fetch(`${api}/api/products/${productId}`, {
      method: 'PATCH',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ price: rnd.int(100, 9999) / 100 }),
    });
  }
  return { products, orders, cancelled };
}
