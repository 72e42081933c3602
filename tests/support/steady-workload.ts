import { random } from './random.ts';

export interface Tally {
  ok: number;
  refused: number;
  failed: number;
}

export interface WorkloadStats {
  orders: Tally;
  cancels: Tally;
  updates: Tally;
  /** Every order id answered 201: each must be stored and projected, whatever fault came after. */
  acknowledgedOrders: number[];
}

const REQUEST_TIMEOUT_MS = 5_000;

/**
 * A steady mixed load on the command API: orders of 1–3 lines mostly on a few hot products
 * (so concurrent requests contend for the same rows), cancels of earlier orders, and stock and
 * price changes. `failed` counts answers that are neither 2xx nor 4xx, and requests with no
 * answer (a fault was in progress): the client cannot know whether those were written.
 */
export function startWorkload(api: string, products: number[], seed: number, ratePerSecond: number, log: (line: string) => void) {
  const rnd = random(seed);
  const stats: WorkloadStats = { orders: tally(), cancels: tally(), updates: tally(), acknowledgedOrders: [] };
  const placed: number[] = [];
  const pick = () => products[rnd.next() < 0.6 ? rnd.int(0, 2) : rnd.int(0, products.length - 1)]!;
  let running = true;
  const inFlight = new Set<Promise<void>>();

  const one = async (): Promise<void> => {
    const roll = rnd.next();
    if (roll < 0.7) {
      const items = Array.from({ length: rnd.int(1, 3) }, () => ({ productId: pick(), quantity: rnd.int(1, 4) }));
      const res = await send(`${api}/api/orders`, 'POST', { customerId: rnd.int(1, 50), items }, stats.orders);
      if (res?.status === 201) {
        const { orderId } = (await res.json()) as { orderId: number };
        placed.push(orderId);
        stats.acknowledgedOrders.push(orderId);
      }
    } else if (roll < 0.8 && placed.length > 0) {
      const orderId = placed.splice(rnd.int(0, placed.length - 1), 1)[0]!;
      await send(`${api}/api/orders/${orderId}/cancel`, 'POST', undefined, stats.cancels);
    } else {
      const change = rnd.next() < 0.5 ? { stock: rnd.int(20, 200) } : { price: rnd.int(100, 5000) / 100 };
      await send(`${api}/api/products/${pick()}`, 'PATCH', change, stats.updates);
    }
  };

  const loop = (async () => {
    const started = performance.now();
    for (let i = 0; running; i++) {
      const due = started + (i * 1000) / ratePerSecond;
      const wait = due - performance.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      const request = one().catch((err: unknown) => log(`workload request failed: ${String(err)}`));
      inFlight.add(request);
      void request.finally(() => inFlight.delete(request));
    }
  })();

  return {
    stats,
    stop: async (): Promise<WorkloadStats> => {
      running = false;
      await loop;
      await Promise.all(inFlight);
      return stats;
    },
  };
}

async function send(url: string, method: string, body: unknown, into: Tally): Promise<Response | undefined> {
  try {
    const res = await fetch(url, {
      method,
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      // Every POST says JSON, the bodyless cancel too (the command API refuses it otherwise).
      headers: { 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    if (res.status < 300) into.ok++;
    else if (res.status < 500) into.refused++;
    else into.failed++;
    if (res.status >= 300) await res.body?.cancel();
    return res;
  } catch {
    into.failed++;
    return undefined;
  }
}

const tally = (): Tally => ({ ok: 0, refused: 0, failed: 0 });
