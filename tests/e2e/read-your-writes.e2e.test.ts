import { afterAll, describe, expect, inject, it } from 'vitest';
import amqp from 'amqplib';
import { postgresUrl, rabbitUrl } from '@shop/shared/config';
import { encodeToken } from '@shop/shared/consistency';
import { createPool } from '@shop/shared/db';
import { redriveDeadLetters } from '@shop/shared/messaging';
import { runningPid, stackDirs, stopRecorded } from '../../infra/src/native/processes.ts';
import { rebuildReadModels } from '../../projector/src/rebuild/rebuild.ts';
import { startServices } from '../../infra/src/native/stack.ts';
import { startExtraProjector } from '../support/extra-projector.ts';
import { commandApi, eventually, projectorStats, queryApi, stackDatabases } from '../support/clients.ts';
import { dbLogin } from '../../infra/src/stack-config.ts';

const stack = inject('stack');
const dirs = stackDirs(stack.stackDir);
const { read } = stackDatabases(stack);
const SECOND = 'projector-ryw';
// Beside the stack's own ports (18080-18087: the notifier has 18085).
const SECOND_PORT = 18_089;
const ORDERS = 1_000;
const names = { exchange: stack.EVENTS_EXCHANGE, queue: stack.PROJECTOR_QUEUE };
const WORKERS = 8;

interface Answer {
  status: number;
  headers: Headers;
  body: Record<string, unknown>;
}

async function command(path: string, body: unknown, headers: Record<string, string> = {}): Promise<Answer & { token: string }> {
  const res = await fetch(`${commandApi(stack)}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
  return {
    status: res.status,
    headers: res.headers,
    body: (await res.json()) as Record<string, unknown>,
    token: res.headers.get('consistency-token') ?? '',
  };
}

async function query(path: string, headers: Record<string, string> = {}): Promise<Answer> {
  const res = await fetch(`${queryApi(stack)}${path}`, { headers });
  return { status: res.status, headers: res.headers, body: (await res.json()) as Record<string, unknown> };
}

const sourceOf = (token: string) => token.split('.')[1]!;

/**
 * SIGKILLs the first projector and starts it again once it is gone: started at once, the start
 * still saw the dying process, skipped it, then failed waiting for its health ("process exited").
 */
async function restartAfterKill(): Promise<void> {
  process.kill(runningPid(dirs, 'projector')!, 'SIGKILL');
  await eventually(async () => (runningPid(dirs, 'projector') === undefined ? true : undefined), 10_000);
  await startServices(stack, dirs, () => undefined);
}

/**
 * Read-your-writes through the real pipeline: a command's Consistency-Token, sent back to the
 * query API, makes the answer include that write, whatever shard, projector instance or restart
 * applied it; without it, the same reads can come too early.
 */
describe('read-your-writes (Consistency-Token)', () => {
  afterAll(async () => {
    await stopRecorded(dirs, SECOND);
    if (runningPid(dirs, 'projector') === undefined) await startServices(stack, dirs, () => undefined);
    await read.query('ALTER TABLE read.products DROP CONSTRAINT IF EXISTS ryw_blocked');
  });

  it(`${ORDERS} orders, each read at once with its token: zero stale answers, across two projectors and a projector crash`, async () => {
    await startExtraProjector(stack, SECOND, SECOND_PORT);
    const product = await command('/api/products', { name: 'RYW', category: 'ryw', price: 2.5, stock: 1_000_000 });
    const productId = product.body.productId as number;

    const stale: string[] = [];
    const waits: number[] = [];
    let next = 0;
    let crashed = false;
    let restarted: Promise<void> | undefined;
    let earlyStale = 0;
    const worker = async () => {
      for (let i = next++; i < ORDERS; i = next++) {
        if (i === ORDERS / 2 && !crashed) {
          // Halfway: the first projector dies; the second takes its shards over, then it comes back.
          crashed = true;
          restarted = restartAfterKill();
        }
        const customerId = 600_000 + i;
        const order = await command('/api/orders', { customerId, items: [{ productId, quantity: 1 }] });
        expect(order.status).toBe(201);
        expect(order.token).toMatch(/^ct1\./);
        // The same read without the token, at once: it may come before the projector (the control).
        const early = await query(`/api/analytics/customers/${customerId}/lifetime-value`);
        if (early.body.orderCount !== 1) earlyStale += 1;
        const t0 = Date.now();
        const [value, placed] = await Promise.all([
          query(`/api/analytics/customers/${customerId}/lifetime-value`, { 'consistency-token': order.token }),
          query(`/api/orders/${String(order.body.orderId)}`, { 'consistency-token': order.token }),
        ]);
        waits.push(Date.now() - t0);
        if (value.status !== 200 || value.body.orderCount !== 1 || value.body.totalSpent !== 2.5)
          stale.push(`customer ${customerId}: ${value.status} ${JSON.stringify(value.body)}`);
        if (placed.status !== 200)
          stale.push(`order ${String(order.body.orderId)}: ${placed.status} ${JSON.stringify(placed.body)}`);
      }
    };
    await Promise.all(Array.from({ length: WORKERS }, worker));
    await restarted;
    waits.sort((a, b) => a - b);
    console.log(
      `read-your-writes: ${ORDERS} orders, reads answered after p50 ${waits[ORDERS / 2]} ms, p99 ${waits[Math.floor(ORDERS * 0.99)]} ms, max ${waits.at(-1)} ms; stale ${stale.length}; without the token ${earlyStale} of ${ORDERS} reads were stale`,
    );
    expect(stale).toEqual([]);
    // The reads without it show the test can tell: they often come before the write is applied.
    expect(earlyStale).toBeGreaterThan(0);
    expect((await projectorStats(stack, SECOND_PORT)).processed).toBeGreaterThan(0);
  });

  it("holds across a rebuild's swap: orders read with their tokens while the read models are rebuilt and swapped in", async () => {
    const product = await command('/api/products', { name: 'RYW rebuild', category: 'ryw', price: 1.5, stock: 1_000_000 });
    const productId = product.body.productId as number;
    const writePool = createPool(postgresUrl(dbLogin(stack, 'projector'), stack.WRITE_DB_NAME), 2, 'ryw-rebuild');
    const readPool = createPool(postgresUrl(dbLogin(stack, 'projector'), stack.READ_DB_NAME), 2, 'ryw-rebuild', 'read');
    const progress = { start: () => undefined, advance: () => undefined, stop: () => undefined };
    let rebuilding = true;
    const rebuilt = rebuildReadModels({
      reader: { shopCurrency: 'USD' },
      write: writePool,
      read: readPool,
      chunkSize: 50,
      progress,
    }).finally(() => (rebuilding = false));
    const stale: string[] = [];
    let reads = 0;
    let readsWhileRebuilding = 0;
    try {
      for (let i = 0; rebuilding || i < 20; i++) {
        if (rebuilding) readsWhileRebuilding += 1;
        const customerId = 700_000 + i;
        const order = await command('/api/orders', { customerId, items: [{ productId, quantity: 1 }] });
        const value = await query(`/api/analytics/customers/${customerId}/lifetime-value`, { 'consistency-token': order.token });
        reads += 1;
        if (value.status !== 200 || value.body.orderCount !== 1)
          stale.push(`${customerId}: ${value.status} ${JSON.stringify(value.body)}`);
      }
      const report = await rebuilt;
      expect(report.events).toBeGreaterThan(0);
    } finally {
      await Promise.allSettled([rebuilt]);
      await Promise.all([writePool.end(), readPool.end()]);
    }
    console.log(
      `read-your-writes across a rebuild: ${reads} orders read with their tokens (${readsWhileRebuilding} while it ran), ${stale.length} stale`,
    );
    expect(stale).toEqual([]);
    expect(readsWhileRebuilding).toBeGreaterThan(3);
  });

  it('waits at most the bound (or Prefer: wait), then 503 with Retry-After naming what is missing; answers once applied', async () => {
    await stopRecorded(dirs, 'projector');
    await stopRecorded(dirs, SECOND);
    try {
      const created = await command('/api/products', { name: 'Held', category: 'ryw', price: 1, stock: 1 });
      const t0 = Date.now();
      const held = await query(`/api/products/${String(created.body.productId)}`, {
        'consistency-token': created.token,
        prefer: 'wait=1',
      });
      const waited = Date.now() - t0;
      expect(held.status).toBe(503);
      expect(held.headers.get('retry-after')).toBe('1');
      expect(held.body).toMatchObject({ error: 'not_yet_consistent', parked: [] });
      expect(held.body.missing).toHaveLength(1);
      expect(waited).toBeGreaterThanOrEqual(1_000);
      expect(waited).toBeLessThan(4_000); // not the 5 s bound: the client asked for 1

      await startServices(stack, dirs, () => undefined);
      const answered = await query(`/api/products/${String(created.body.productId)}`, {
        'consistency-token': created.token,
        prefer: 'wait=5',
      });
      expect(answered.status).toBe(200);
      expect(answered.headers.get('preference-applied')).toBe('wait=5');
      expect(answered.body).toMatchObject({ name: 'Held' });
    } finally {
      if (runningPid(dirs, 'projector') === undefined) await startServices(stack, dirs, () => undefined);
    }
  });

  it('answers within the bound while its LISTEN connection is lost, then listens again', async () => {
    const listeners = async () =>
      (
        await read.query<{ pid: number }>(
          /* sql */ `SELECT pid FROM pg_stat_activity WHERE datname = $1::text AND application_name = 'query-api consistency'`,
          [stack.READ_DB_NAME],
        )
      ).rows.map((r) => r.pid);
    const [before] = await listeners();
    expect(before).toBeDefined();
    await read.query('SELECT pg_terminate_backend($1::int)', [before]);
    const created = await command('/api/products', { name: 'Unheard', category: 'ryw', price: 1, stock: 1 });
    const t0 = Date.now();
    const answered = await query(`/api/products/${String(created.body.productId)}`, { 'consistency-token': created.token });
    expect(answered.status).toBe(200);
    expect(answered.body).toMatchObject({ name: 'Unheard' });
    // Found by the fallback poll or the reconnect's check, not by the last lookup at the 5 s bound.
    expect(Date.now() - t0).toBeLessThan(4_000);
    const after = await eventually(async () => {
      const now = await listeners();
      return now.length === 1 && now[0] !== before ? now : undefined;
    }, 10_000);
    expect(after).toHaveLength(1);
  });

  it('says when the write was parked as a dead letter instead of waiting for it in silence', async () => {
    await read.query(`ALTER TABLE read.products ADD CONSTRAINT ryw_blocked CHECK (name <> 'RYW blocked')`);
    const blocked = await command('/api/products', { name: 'RYW blocked', category: 'ryw', price: 1, stock: 1 });
    const eventId = await eventually(async () => {
      const { rows } = await read.query<{ id: string }>(
        `SELECT d.event_id::text AS id FROM read.dead_letters d WHERE d.reason LIKE '%ryw_blocked%'`,
      );
      return rows[0]?.id;
    }, 60_000);
    const answer = await query(`/api/products/${String(blocked.body.productId)}`, {
      'consistency-token': blocked.token,
      prefer: 'wait=0',
    });
    expect(answer.status).toBe(503);
    expect(answer.body).toMatchObject({ error: 'not_yet_consistent', missing: [eventId], parked: [{ eventId }] });
    expect(String(answer.body.message)).toMatch(/parked as dead letters/);

    // Cause fixed and the dead letter re-driven: the same token now answers with the write.
    await read.query('ALTER TABLE read.products DROP CONSTRAINT ryw_blocked');
    const connection = await amqp.connect(rabbitUrl(stack));
    try {
      const { redriven } = await redriveDeadLetters(connection, names, (letter) => letter.eventId === eventId);
      expect(redriven).toBe(1);
    } finally {
      await connection.close();
    }
    const included = await query(`/api/products/${String(blocked.body.productId)}`, { 'consistency-token': blocked.token });
    expect(included).toMatchObject({ status: 200, body: { name: 'RYW blocked' } });
  });

  it('refuses a malformed token and one of another pipeline with 400, and needs none', async () => {
    const created = await command('/api/products', { name: 'Token', category: 'ryw', price: 1, stock: 1 });
    const path = `/api/products/${String(created.body.productId)}`;
    for (const token of [
      '',
      'nonsense',
      'ct1.zz.1.AAAA',
      `${created.token}x`,
      created.token.replace('ct1.', 'ct2.'),
      created.token.slice(0, -2),
    ]) {
      const answer = await query(path, { 'consistency-token': token });
      expect(answer.status, token).toBe(400);
      expect(answer.body, token).toMatchObject({ error: 'invalid_consistency_token', problem: 'malformed' });
    }
    const source = sourceOf(created.token);
    const foreignSource = source.replace(/^./, (c) => (c === '0' ? '1' : '0'));
    const foreign = encodeToken({
      source: foreignSource,
      issuedAt: new Date(),
      eventIds: ['00000000-0000-4000-8000-000000000000'],
    });
    expect(await query(path, { 'consistency-token': foreign })).toMatchObject({
      status: 400,
      body: { error: 'invalid_consistency_token', problem: 'foreign' },
    });
    expect(await eventually(async () => ((await query(path)).status === 200 ? true : undefined), 30_000)).toBe(true);
  });

  it('answers a replayed command with its first token, and a refused command with none', async () => {
    const key = `ryw-${Date.now()}`;
    const body = { name: 'Replay', category: 'ryw', price: 1, stock: 1 };
    const first = await command('/api/products', body, { 'idempotency-key': key });
    const again = await command('/api/products', body, { 'idempotency-key': key });
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(again.token).toBe(first.token);
    const refused = await command('/api/orders', { customerId: 1, items: [{ productId: 999_999_999, quantity: 1 }] });
    expect(refused.status).toBeGreaterThanOrEqual(400);
    expect(refused.headers.get('consistency-token')).toBeNull();
    const refusedWithKey = await command(
      '/api/orders',
      { customerId: 1, items: [{ productId: 999_999_999, quantity: 1 }] },
      { 'idempotency-key': `${key}-refused` },
    );
    expect(refusedWithKey.headers.get('consistency-token')).toBeNull();
  });
});
