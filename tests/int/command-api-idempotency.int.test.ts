import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { request, commandApiForThisFile } from '../support/command-api.ts';
import { writeSnapshot } from '../support/write-snapshot.ts';
import { deleteExpiredKeys } from '../../command-api/src/idempotency/key-expiry.ts';

const stack = inject('stack');
const api = commandApiForThisFile(stack);
let productId: number;

beforeAll(async () => {
  const created = await request(`${api.url}/api/products`, {
    method: 'POST',
    json: { name: 'Key', category: 'k', price: 2, stock: 1000 },
  });
  productId = created.body.productId as number;
});

const placeOrder = (key: string, quantity = 1) =>
  request(`${api.url}/api/orders`, {
    method: 'POST',
    headers: { 'idempotency-key': key },
    json: { customerId: 5, items: [{ productId, quantity }] },
  });

describe('Idempotency-Key', () => {
  it('a retry with the same key and body returns the first response and writes nothing new', async () => {
    const key = randomUUID();
    const first = await placeOrder(key);
    expect(first.status).toBe(201);
    const after = await writeSnapshot(api.pool);

    const retry = await placeOrder(key);
    expect(retry.status).toBe(201);
    expect(retry.text).toBe(first.text);
    expect(retry.headers.get('idempotent-replayed')).toBe('true');
    expect(await writeSnapshot(api.pool)).toEqual(after);
  });

  it('the same key with a different body is 422 and writes nothing', async () => {
    const key = randomUUID();
    await placeOrder(key, 1);
    const before = await writeSnapshot(api.pool);
    const other = await placeOrder(key, 2);
    expect(other.status).toBe(422);
    expect(other.body.error).toBe('idempotency_key_reused');
    expect(await writeSnapshot(api.pool)).toEqual(before);
  });

  it('concurrent requests with one key place one order', async () => {
    const key = randomUUID();
    const before = (await api.pool.query('SELECT count(*)::int AS n FROM orders')).rows[0].n;
    const replies = await Promise.all(Array.from({ length: 10 }, () => placeOrder(key)));
    expect(new Set(replies.map((r) => `${r.status} ${r.text}`)).size).toBe(1);
    const after = (await api.pool.query('SELECT count(*)::int AS n FROM orders')).rows[0].n;
    expect(after - before).toBe(1);
  });

  it('a refusal is remembered too: the retry gets the same 409, not a new attempt', async () => {
    const key = randomUUID();
    const refused = await placeOrder(key, 5000);
    expect(refused.status).toBe(409);
    await request(`${api.url}/api/products/${productId}`, { method: 'PATCH', json: { stock: 100_000 } });
    const retry = await placeOrder(key, 5000);
    expect(retry.status).toBe(409);
    expect(retry.text).toBe(refused.text);
  });

  it('works on product creation and on cancel', async () => {
    const key = randomUUID();
    const body = { name: 'Once', category: 'k', price: 1, stock: 1 };
    const a = await request(`${api.url}/api/products`, { method: 'POST', headers: { 'idempotency-key': key }, json: body });
    const b = await request(`${api.url}/api/products`, { method: 'POST', headers: { 'idempotency-key': key }, json: body });
    expect(b.text).toBe(a.text);
    expect((await api.pool.query("SELECT count(*)::int AS n FROM products WHERE name = 'Once'")).rows[0].n).toBe(1);

    const orderId = (await placeOrder(randomUUID())).body.orderId;
    const cancelKey = randomUUID();
    const cancel = () =>
      request(`${api.url}/api/orders/${orderId}/cancel`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'idempotency-key': cancelKey },
      });
    expect((await cancel()).status).toBe(200);
    expect((await cancel()).status).toBe(200);
  });

  it('refuses a malformed key with 400', async () => {
    const res = await placeOrder('x'.repeat(201));
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ error: 'validation_failed', fields: [{ field: 'Idempotency-Key' }] });
  });
});

describe('Idempotency-Key expiry (IDEMPOTENCY_KEY_TTL_HOURS, 24 h)', () => {
  const age = (key: string, hours: number) =>
    api.pool.query(`UPDATE idempotency_keys SET created_at = now() - make_interval(hours => $2) WHERE key = $1`, [key, hours]);

  it('forgets a key older than the TTL: the same key then runs the command again', async () => {
    const key = randomUUID();
    const first = await placeOrder(key);
    await age(key, 25);
    const again = await placeOrder(key);
    expect(again.status).toBe(201);
    expect(again.headers.get('idempotent-replayed')).toBeNull();
    expect(again.body.orderId).not.toBe(first.body.orderId);
    // And from then on the new answer is the one replayed.
    const retry = await placeOrder(key);
    expect(retry.headers.get('idempotent-replayed')).toBe('true');
    expect(retry.body.orderId).toBe(again.body.orderId);
  });

  it('still replays a key younger than the TTL', async () => {
    const key = randomUUID();
    const first = await placeOrder(key);
    await age(key, 23);
    const retry = await placeOrder(key);
    expect(retry.headers.get('idempotent-replayed')).toBe('true');
    expect(retry.body.orderId).toBe(first.body.orderId);
  });

  it('deletes expired keys in bounded batches through the created_at index, and only those', async () => {
    const fresh = randomUUID();
    await placeOrder(fresh);
    await api.pool.query(
      `INSERT INTO idempotency_keys (key, fingerprint, status, body, created_at)
       SELECT 'old-' || g, 'f', 201, '{}', now() - interval '2 days' FROM generate_series(1, 2500) g`,
    );
    const deleted = await deleteExpiredKeys(api.pool, { ttlHours: 24, batchSize: 1000 });
    expect(deleted).toBeGreaterThanOrEqual(2500);
    const { rows } = await api.pool.query<{ old: number; fresh: number }>(
      `SELECT count(*) FILTER (WHERE key LIKE 'old-%')::int AS old, count(*) FILTER (WHERE key = $1)::int AS fresh FROM idempotency_keys`,
      [fresh],
    );
    expect(rows[0]).toEqual({ old: 0, fresh: 1 });
    // The batch query can be answered from the index (on this small table the planner may still
    // prefer a scan; with scans priced out it must find the index path).
    const client = await api.pool.connect();
    try {
      await client.query('SET enable_seqscan = off');
      const plan = await client.query<{ 'QUERY PLAN': string }>(
        `EXPLAIN SELECT key FROM idempotency_keys WHERE created_at < now() - interval '24 hours' ORDER BY created_at LIMIT 1000`,
      );
      const text = plan.rows.map((r) => r['QUERY PLAN']).join('\n');
      expect(text).toMatch(/(Index Scan using|Bitmap Index Scan on) idempotency_keys_created_idx/);
      expect(text).not.toMatch(/Seq Scan/);
    } finally {
      await client.query('RESET enable_seqscan');
      client.release();
    }
  });
});
