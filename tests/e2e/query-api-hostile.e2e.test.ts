import { randomUUID } from 'node:crypto';
import type { Server } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import amqp from 'amqplib';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { postgresUrl, rabbitUrl } from '@shop/shared/config';
import { encodeToken, lazyPipelineSource } from '@shop/shared/consistency';
import { createPool } from '@shop/shared/db';
import { closeServer, listen } from '@shop/shared/http';
import { deadLetterQueueOf, describeDeadLetter, visitDeadLetters } from '@shop/shared/messaging';
import { TEST_CONSOLE_TOKEN } from '../../infra/src/stack-config.ts';
import { createApp } from '../../query-api/src/app.ts';
import { operatorConsole } from '../../query-api/src/console/operator-console.ts';
import { syncStatus } from '../../query-api/src/lag/sync-status.ts';
import { AppliedWatch } from '../../query-api/src/read-api/consistency/applied-watch.ts';
import { commandApi, eventually, postJson, queryApi } from '../support/clients.ts';

/**
 * Hostile clients of the query API: the console's dead letters without the admin token or many
 * listings at once, more live consoles than it serves, a flood of sync-status requests, and
 * read-your-writes waits with forged Consistency-Tokens. Some run against the test stack's query
 * API, the others against one started here with small caps, on the stack's databases and broker.
 */
const stack = inject('stack');
const names = { exchange: stack.EVENTS_EXCHANGE, queue: stack.PROJECTOR_QUEUE };
const admin = { authorization: `Bearer ${TEST_CONSOLE_TOKEN}` };
const CAPS = { CONSOLE_DEAD_LETTER_LIMIT: 3, CONSOLE_MAX_SUBSCRIBERS: 2, CONSISTENCY_MAX_WAITERS: 3 };

interface Answer {
  status: number;
  headers: Headers;
  body: Record<string, unknown>;
}

async function get(url: string, headers: Record<string, string> = {}): Promise<Answer> {
  const res = await fetch(url, { headers });
  return { status: res.status, headers: res.headers, body: (await res.json()) as Record<string, unknown> };
}

/** A token as anyone can write one: this pipeline's (public) source, issued now, 200 ids that were never written. */
const forgedToken = (source: string) =>
  encodeToken({ source, issuedAt: new Date(), eventIds: Array.from({ length: 200 }, () => randomUUID()) });

/** The query API in-process with CAPS, over the stack's databases and broker. */
function queryApiWithCaps() {
  const read = createPool(postgresUrl(stack, stack.READ_DB_NAME), 4, 'hostile-query', 'read');
  const write = createPool(postgresUrl(stack, stack.WRITE_DB_NAME), 2, 'hostile-query-lag');
  const pipeline = { write, read, slot: stack.DEBEZIUM_SLOT, offsetTable: stack.DEBEZIUM_OFFSET_TABLE };
  const log = pino({ level: 'silent' });
  const settings = { ...stack, ...CAPS, PROJECTOR_URLS: [`http://127.0.0.1:${stack.PROJECTOR_PORT}`] };
  const consoleDeps = operatorConsole(settings, { read, write, status: () => syncStatus(pipeline) });
  const watch = new AppliedWatch(read, postgresUrl(stack, stack.READ_DB_NAME), log, { maxWaiters: CAPS.CONSISTENCY_MAX_WAITERS });
  const consistency = { watch, source: lazyPipelineSource(write), maxWaitMs: 5_000 };
  const api = { url: '', write };
  let server: Server | undefined;
  beforeAll(async () => {
    await watch.start();
    const app = createApp({
      readApi: { read, write, reader: { shopCurrency: 'USD' }, consistency },
      lag: pipeline,
      log,
      console: consoleDeps,
    });
    const bound = await listen(app, 0, '127.0.0.1');
    server = bound.server;
    api.url = `http://127.0.0.1:${bound.port}`;
  });
  afterAll(async () => {
    consoleDeps.live.stop();
    await consoleDeps.queues.close();
    await watch.stop();
    if (server) await closeServer(server);
    await Promise.all([read.end(), write.end()]);
  });
  return api;
}

const api = queryApiWithCaps();

describe("the console's dead letters", () => {
  it('are listed only with the admin token', async () => {
    const list = `${queryApi(stack)}/console/api/dead-letters`;
    const none = await get(list);
    expect(none.status, JSON.stringify(none.body)).toBe(401);
    expect((await get(list, { authorization: 'Bearer not-the-admin-token-at-all' })).status).toBe(403);
    const listed = await get(list, admin);
    expect(listed.status).toBe(200);
    expect(listed.body).toMatchObject({ total: expect.any(Number), items: expect.any(Array) });
  });

  it(`are listed one listing at a time, ${CAPS.CONSOLE_DEAD_LETTER_LIMIT} at most, and none is taken away`, async () => {
    const connection = await amqp.connect(rabbitUrl(stack));
    const ours = new Set<string>(Array.from({ length: 5 }, () => randomUUID()));
    const queue = deadLetterQueueOf(names);
    try {
      const channel = await connection.createConfirmChannel();
      const before = (await channel.checkQueue(queue)).messageCount;
      for (const id of ours)
        channel.sendToQueue(queue, Buffer.from(`{"pad":"${'x'.repeat(10_000)}"}`), {
          persistent: true,
          headers: { id: JSON.stringify(id), eventType: '"ListingTest"', 'x-projector-reason': 'listing test' },
        });
      await channel.waitForConfirms();
      const listings = await Promise.all(Array.from({ length: 8 }, () => get(`${api.url}/console/api/dead-letters`, admin)));
      for (const listing of listings) {
        expect(listing.status).toBe(200);
        expect(listing.body.total).toBe(before + ours.size);
        expect(listing.body.items).toHaveLength(CAPS.CONSOLE_DEAD_LETTER_LIMIT);
      }
      expect((await channel.checkQueue(queue)).messageCount).toBe(before + ours.size);
      await channel.close();
    } finally {
      await visitDeadLetters(connection, names, async (msg, channel) => {
        if (!ours.has(describeDeadLetter(msg).eventId ?? '')) return 'keep';
        channel.ack(msg);
        return 'settled';
      });
      await connection.close();
    }
  });
});

describe("the console's live stream", () => {
  it(`serves ${CAPS.CONSOLE_MAX_SUBSCRIBERS} consoles at once, refuses one more with 503 and Retry-After, and takes it once one closes`, async () => {
    const opened: AbortController[] = [];
    const open = async () => {
      const stop = new AbortController();
      opened.push(stop);
      const res = await fetch(`${api.url}/console/api/stream`, { signal: stop.signal });
      if (res.status === 200) await res.body!.getReader().read(); // its first bytes: it is subscribed
      return { res, stop };
    };
    try {
      const first = await open();
      const second = await open();
      expect([first.res.status, second.res.status]).toEqual([200, 200]);
      const refused = await open();
      expect(refused.res.status).toBe(503);
      expect(refused.res.headers.get('retry-after')).toBe('1');
      expect(await refused.res.json()).toMatchObject({ error: 'service_unavailable' });
      first.stop.abort();
      await eventually(async () => {
        const s = await open();
        if (s.res.status === 200) return true;
        await s.res.body?.cancel();
        return undefined;
      }, 5_000);
    } finally {
      for (const stop of opened) stop.abort();
    }
  });
});

describe('a flood of sync-status requests', () => {
  it('is answered from shared readings, not one reading of the databases per request', async () => {
    let acquired = 0;
    api.write.on('acquire', () => (acquired += 1));
    const syncStatus = `${api.url}/api/analytics/sync-status`;
    expect((await get(syncStatus)).status).toBe(200);
    const perReading = acquired;
    expect(perReading).toBeGreaterThan(0);
    acquired = 0;
    const answers = await Promise.all(Array.from({ length: 50 }, () => get(syncStatus)));
    console.log(`sync-status: 1 request took ${perReading} write connections; 50 at once took ${acquired}`);
    expect(answers.map((a) => a.status)).toEqual(Array(50).fill(200));
    // One reading each would be 50 readings' worth; shared, a few rounds of one reading at a time.
    expect(acquired).toBeLessThanOrEqual(perReading * 10);
  });
});

describe('read-your-writes against forged Consistency-Tokens', () => {
  let product: number;
  const place = async (customerId: number) => {
    const order = await postJson(`${commandApi(stack)}/api/orders`, { customerId, items: [{ productId: product, quantity: 1 }] });
    expect(order.status).toBe(201);
    return { orderId: order.body.orderId as number, token: order.token! };
  };
  const projected = (url: string) => eventually(async () => ((await fetch(url)).status === 200 ? true : undefined));

  beforeAll(async () => {
    product = (
      await postJson(`${commandApi(stack)}/api/products`, { name: 'Forged', category: 'forged', price: 1, stock: 1_000 })
    ).body.productId as number;
  });

  it('200 forged tokens of 200 ids each, waiting, do not starve a real reader', async () => {
    const q = queryApi(stack);
    const applied = await place(810_001);
    await projected(`${q}/api/orders/${applied.orderId}`);
    const source = applied.token.split('.')[1]!;
    const forged = Array.from({ length: 200 }, () =>
      get(`${q}/api/products?limit=1`, { 'consistency-token': forgedToken(source) }),
    );
    await sleep(1_000); // they have arrived and wait (5 s, the stack's CONSISTENCY_WAIT_MS)
    const read = (orderId: number, token: string, prefer: string) =>
      get(`${q}/api/orders/${orderId}`, { 'consistency-token': token, prefer });
    // A write applied before its reader came; the same with no wait at all (answered only if the
    // check made when the wait ends finds it); one read at once, before it is applied.
    const early = await read(applied.orderId, applied.token, 'wait=2');
    const atOnce = await read(applied.orderId, applied.token, 'wait=0');
    const fresh = await place(810_002);
    const late = await read(fresh.orderId, fresh.token, 'wait=3');
    const refused = await Promise.all(forged);
    expect([early.status, early.body.orderId ?? early.body]).toEqual([200, applied.orderId]);
    expect([atOnce.status, atOnce.body.orderId ?? atOnce.body]).toEqual([200, applied.orderId]);
    expect(atOnce.headers.get('preference-applied')).toBe('wait=0');
    expect([late.status, late.body.orderId ?? late.body]).toEqual([200, fresh.orderId]);
    for (const answer of refused) {
      expect(answer.status, JSON.stringify(answer.body).slice(0, 200)).toBe(503);
      expect(answer.body).toMatchObject({ error: 'not_yet_consistent' });
      expect(answer.body.missing).toHaveLength(200);
    }
  });

  it(`past ${CAPS.CONSISTENCY_MAX_WAITERS} waiting requests, one more is refused at once with 503 and Retry-After`, async () => {
    const applied = await place(810_004);
    await projected(`${queryApi(stack)}/api/orders/${applied.orderId}`);
    const source = applied.token.split('.')[1]!;
    const forge = () => get(`${api.url}/api/products?limit=1`, { 'consistency-token': forgedToken(source), prefer: 'wait=3' });
    const waiting = Array.from({ length: CAPS.CONSISTENCY_MAX_WAITERS }, forge);
    await sleep(500);
    const over = await forge();
    expect(over.status).toBe(503);
    expect(over.body).toMatchObject({ error: 'service_unavailable' });
    expect(over.headers.get('retry-after')).toBe('1');
    for (const answer of await Promise.all(waiting)) expect(answer.body).toMatchObject({ error: 'not_yet_consistent' });
    // The places are free again.
    const real = await get(`${api.url}/api/orders/${applied.orderId}`, { 'consistency-token': applied.token });
    expect([real.status, real.body.orderId ?? real.body]).toEqual([200, applied.orderId]);
  });
});
