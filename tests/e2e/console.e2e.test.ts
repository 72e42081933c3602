import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { postgresUrl } from '@shop/shared/config';
import { createPool } from '@shop/shared/db';
import { readShardRouting, routedShardCount } from '@shop/shared/outbox';
import { closeServer, listen } from '@shop/shared/http';
import { stackDirs, stopRecorded } from '../../infra/src/native/processes.ts';
import { startServices } from '../../infra/src/native/stack.ts';
import { TEST_CONSOLE_TOKEN } from '../../infra/src/stack-config.ts';
import { createApp } from '../../query-api/src/app.ts';
import { operatorConsole } from '../../query-api/src/console/operator-console.ts';
import { syncStatus } from '../../query-api/src/lag/sync-status.ts';
import { commandApi, eventually, getIfFound, postJson, queryApi, stackDatabases } from '../support/clients.ts';

/** Debian's chromium (npm test installs it: infra/bin/ensure-test-tools.sh); playwright-core drives it. */
const CHROMIUM = '/usr/bin/chromium';
/** The flags a root, offline machine needs: no sandbox, nothing fetched from Google. */
const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

const stack = inject('stack');
const dirs = stackDirs(stack.stackDir);
const { read, write } = stackDatabases(stack);
const consoleUrl = `${queryApi(stack)}/console`;
const screenshots = join(stack.stackDir, 'screenshots');

let browser: Browser;
let page: Page;
/** Every request the page made to a host other than the stack's: there must be none (no CDN). */
const foreign: string[] = [];

const text = (testId: string) => page.getByTestId(testId).innerText();
const number = async (testId: string) => Number((await text(testId)).replace(/[^0-9.]/g, ''));

async function until(probe: () => Promise<boolean>, timeoutMs = 30_000) {
  await eventually(async () => ((await probe()) ? true : undefined), timeoutMs);
}

describe('operator console (GET /console), in a real browser', () => {
  beforeAll(async () => {
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
    page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
    page.on('request', (req) => {
      const host = new URL(req.url()).hostname;
      if (host !== '127.0.0.1' && host !== 'localhost') foreign.push(req.url());
    });
    mkdirSync(screenshots, { recursive: true });
    await page.goto(consoleUrl);
  });

  afterAll(async () => {
    await read.query('ALTER TABLE read.products DROP CONSTRAINT IF EXISTS console_blocked');
    await browser?.close();
  });

  it('shows every hop live from the stack alone: positions, shard queues, charts', async () => {
    // Caught up, though other files may have left dead letters (the badge then asks for attention).
    await until(async () => (await text('events-behind')) === '0' && (await text('health')) !== 'connecting…');
    const hops = page.getByTestId('hops').locator('tbody tr');
    expect(await hops.count()).toBe(7);
    expect(await hops.nth(0).innerText()).toMatch(/WAL written\s+[0-9A-F]+\/[0-9A-F]+/);
    expect(await hops.nth(1).innerText()).toMatch(/confirmed\s+[0-9A-F]+\/[0-9A-F]+\s+test_outbox, active/);
    // The Debezium instance holding the slot's lease (the test stack runs one, no standby).
    expect(await hops.nth(2).innerText()).toMatch(
      /streaming instance\s+debezium-server\s+holds the slot's lease since .*standby: –/,
    );
    // One row per shard the outbox routes to (8 unless a test changed the count: shard-count-change).
    const shardCount = routedShardCount(await readShardRouting(write));
    expect(await page.getByTestId('shards').locator('tbody tr').count()).toBe(shardCount);
    expect(await page.getByTestId('chart-lag').locator('canvas').count()).toBe(1);
    // The notifier beside the projector: caught up, nothing missing, its own queues (and dead letters).
    await until(async () => (await text('notifier-behind')) === '0');
    expect(await text('notifier-missing')).toBe('0');
    expect(await text('notifier-parked')).toMatch(/^\d+$/);
    const notifierQueues = page.getByTestId('notifier-shards').locator('tbody tr');
    expect(await notifierQueues.count()).toBe(shardCount + 1);
    expect(await notifierQueues.nth(0).innerText()).toMatch(/^shard 0\s+0\s+1$/);
    // Applied events that are not in the outbox log: none here (the other files take out what they forge).
    expect(await text('unknown')).toBe('0');
    expect(await text('mode')).toBe('');
    expect(foreign).toEqual([]);
    await new Promise((r) => setTimeout(r, 3_000)); // a few readings on the charts, for the README's picture
    await page.screenshot({ path: join(screenshots, 'console.png'), fullPage: true });
  });

  it('sees lag rise while the projector is stopped, and fall when it returns', async () => {
    await stopRecorded(dirs, 'projector');
    try {
      const product = await postJson(`${commandApi(stack)}/api/products`, {
        name: 'Console',
        category: 'console',
        price: 2,
        stock: 50,
      });
      for (let i = 0; i < 5; i++)
        await postJson(`${commandApi(stack)}/api/orders`, {
          customerId: 7,
          items: [{ productId: product.body.productId, quantity: 1 }],
        });
      await until(async () => (await number('events-behind')) >= 6);
      await until(async () => (await number('lag-seconds')) > 0);
      expect(await text('health')).toBe('needs attention'); // the projector does not answer
      expect(await page.getByTestId('projectors').innerText()).toMatch(/not reachable/);
      await page.screenshot({ path: join(screenshots, 'console-behind.png'), fullPage: true });
    } finally {
      await startServices(stack, dirs, () => undefined);
    }
    await until(
      async () =>
        (await text('events-behind')) === '0' && !(await page.getByTestId('projectors').innerText()).includes('not reachable'),
    );
    expect(await number('lag-seconds')).toBe(0);
  });

  it('sees the notifier fall behind while it is stopped, its queues fill, and catch up when it returns', async () => {
    await stopRecorded(dirs, 'notifier');
    try {
      const product = await postJson(`${commandApi(stack)}/api/products`, {
        name: 'Console notifier',
        category: 'console',
        price: 2,
        stock: 50,
      });
      for (let i = 0; i < 3; i++)
        await postJson(`${commandApi(stack)}/api/orders`, {
          customerId: 8,
          items: [{ productId: product.body.productId, quantity: 1 }],
        });
      await until(async () => (await number('notifier-behind')) >= 4);
      await until(async () => (await number('notifier-lag')) > 0);
      // The events wait in its queues, which nothing consumes now; the projector has them all.
      const rows = await page.getByTestId('notifier-shards').locator('tbody tr').allInnerTexts();
      const shardRows = rows.filter((r) => r.startsWith('shard'));
      expect(shardRows.every((r) => /\s0$/.test(r))).toBe(true);
      expect(shardRows.map((r) => Number(r.split(/\s+/)[2])).reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(4);
      await until(async () => (await text('events-behind')) === '0');
      expect(await text('notifier-missing')).toBe('0');
    } finally {
      await startServices(stack, dirs, () => undefined);
    }
    await until(async () => (await text('notifier-behind')) === '0');
    expect(await number('notifier-lag')).toBe(0);
  });

  it('re-drives a dead letter with the admin token, and refuses without it or with a wrong one', async () => {
    // The list itself needs the token: the letters carry the events' bodies.
    await page.getByTestId('admin-token').fill(TEST_CONSOLE_TOKEN);
    await read.query(`ALTER TABLE read.products ADD CONSTRAINT console_blocked CHECK (name <> 'Console blocked')`);
    const blocked = await postJson(`${commandApi(stack)}/api/products`, {
      name: 'Console blocked',
      category: 'dlq',
      price: 1,
      stock: 1,
    });
    const productUrl = `${queryApi(stack)}/api/products/${blocked.body.productId}`;
    const row = page
      .getByTestId('dlq-list')
      .locator('tbody tr', { hasText: 'projection failed' })
      .filter({ hasText: 'console_blocked' });
    await until(async () => (await row.count()) === 1, 60_000);
    expect(await number('dlq-count')).toBeGreaterThanOrEqual(1);
    await read.query('ALTER TABLE read.products DROP CONSTRAINT console_blocked');

    await page.getByTestId('admin-token').fill('');
    await row.getByRole('button', { name: 'Re-drive' }).click();
    await until(async () => /refused \(401\)/.test(await text('action-result')));
    await page.getByTestId('admin-token').fill('not-the-token-at-all');
    await row.getByRole('button', { name: 'Re-drive' }).click();
    await until(async () => /refused \(403\): wrong admin token/.test(await text('action-result')));
    expect(await getIfFound(productUrl)).toBeUndefined();

    // The letter links to its product's history, where it shows as parked with the same reason.
    await row.getByRole('button', { name: 'History' }).click();
    const created = page.getByTestId('history').locator('tbody tr', { hasText: 'ProductCreated' });
    await until(
      async () => (await created.count()) === 1 && /parked: projection failed.*console_blocked/s.test(await created.innerText()),
    );
    expect(await page.getByTestId('history-kind').inputValue()).toBe('products');
    expect(await page.getByTestId('history-id').inputValue()).toBe(String(blocked.body.productId));
    await page.getByTestId('admin-token').fill(TEST_CONSOLE_TOKEN);
    await row.getByRole('button', { name: 'Re-drive' }).click();
    await until(async () => /re-drove 1 of \d+ dead letters/.test(await text('action-result')));
    expect(await eventually(() => getIfFound(productUrl), 20_000)).toMatchObject({ name: 'Console blocked' });
    await until(async () => (await row.count()) === 0);
  });

  it("looks up an order's event history and shows the order as it was after each event", async () => {
    const product = await postJson(`${commandApi(stack)}/api/products`, {
      name: 'Looked up',
      category: 'console',
      price: 3,
      stock: 9,
    });
    const order = await postJson(`${commandApi(stack)}/api/orders`, {
      customerId: 8,
      items: [{ productId: product.body.productId, quantity: 2 }],
    });
    const orderId = order.body.orderId as number;
    await postJson(`${commandApi(stack)}/api/orders/${orderId}/cancel`, {});
    await eventually(async () => {
      const o = (await getIfFound(`${queryApi(stack)}/api/orders/${orderId}`)) as { status?: string } | undefined;
      return o?.status === 'cancelled' ? true : undefined;
    });

    await page.getByTestId('history-kind').selectOption('orders');
    await page.getByTestId('history-id').fill(String(orderId));
    await page.getByTestId('history-form').getByRole('button', { name: 'Show history' }).click();
    const rows = page.getByTestId('history').locator('tbody tr');
    await until(async () => (await rows.count()) === 2 && !(await rows.nth(1).innerText()).includes('pending'));
    expect(await rows.nth(0).innerText()).toMatch(/OrderPlaced v2 .*applied/s);
    expect(await rows.nth(1).innerText()).toMatch(/OrderCancelled v1 .*applied/s);
    expect(await page.getByTestId('history-more').isHidden()).toBe(true);

    await rows.nth(0).getByRole('button', { name: 'State then' }).click();
    await until(async () => /\(200\)/.test(await text('history-as-of')));
    expect(await text('history-as-of')).toMatch(/"status": "placed"/);
    await rows.nth(1).getByRole('button', { name: 'State then' }).click();
    await until(async () => /"status": "cancelled"/.test(await text('history-as-of')));

    await page.getByTestId('history-id').fill('2147483000');
    await page.getByTestId('history-form').getByRole('button', { name: 'Show history' }).click();
    await until(async () => (await text('history-result')) === 'order 2147483000: no events');
    expect(await rows.count()).toBe(0);
    expect(foreign).toEqual([]);
  });

  it('reconciles and rebuilds on request with the token, shows the progress, and refuses a second rebuild meanwhile', async () => {
    const row = (name: string) => page.getByTestId('operations').locator('tbody tr', { hasText: name });
    const rebuildRow = row('rebuild read models');
    await page.getByTestId('admin-token').fill('');
    await page.getByTestId('run-rebuild').click();
    await until(async () => /refused \(401\)/.test(await text('operation-result')));

    await page.getByTestId('admin-token').fill(TEST_CONSOLE_TOKEN);
    await page.getByTestId('run-reconcile').click();
    await until(async () => /requested \(operation \d+\)/.test(await text('operation-result')));
    await until(async () => /succeeded/.test(await row('reconcile').innerText()));
    expect(await row('reconcile').innerText()).toMatch(/audited [\d,]+ new events, 0 missing, 0 asked again in [\d.]+ s/);

    // Held at its last step (the swap waits for this lock), the rebuild shows where it is, and
    // a second one is refused.
    const holder = await read.connect();
    try {
      await holder.query('BEGIN');
      await holder.query('LOCK TABLE read.inbox IN ROW EXCLUSIVE MODE');
      await page.getByTestId('run-rebuild').click();
      await until(async () => /running\s.*applying the newest events and swapping in/s.test(await rebuildRow.innerText()));
      const bar = await rebuildRow.locator('progress').evaluate((el: HTMLProgressElement) => ({ value: el.value, max: el.max }));
      expect(bar.max).toBeGreaterThan(0);
      expect(bar.value).toBe(bar.max);
      await page.screenshot({ path: join(screenshots, 'console-rebuild.png'), fullPage: true });
      await page.getByTestId('run-rebuild').click();
      await until(async () =>
        /refused \(409\): a rebuild is already running \(operation \d+/.test(await text('operation-result')),
      );
    } finally {
      await holder.query('ROLLBACK');
      holder.release();
    }
    await until(async () => /succeeded/.test(await rebuildRow.innerText()));
    const { rows } = await write.query<{ n: number }>('SELECT count(*)::int AS n FROM outbox_history');
    expect(await rebuildRow.innerText()).toContain(`rebuilt from ${rows[0]!.n.toLocaleString('en')} events`);
    await until(async () => (await text('events-behind')) === '0');
  });

  it('refuses every action from another site even with the token', async () => {
    for (const [path, body] of [
      ['dead-letters/redrive', { all: true }],
      ['operations', { kind: 'rebuild' }],
    ] as const) {
      const res = await fetch(`${consoleUrl}/api/${path}`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          authorization: `Bearer ${TEST_CONSOLE_TOKEN}`,
          origin: 'http://evil.example',
        },
        body: JSON.stringify(body),
      });
      expect(res.status).toBe(403);
      expect(await res.json()).toMatchObject({ error: 'cross_site_request' });
    }
  });

  it('stays readable at a phone width: nothing wider than the screen', async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    await page.reload();
    await until(async () => (await text('events-behind')) === '0');
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await page.screenshot({ path: join(screenshots, 'console-phone.png'), fullPage: true });
    expect(foreign).toEqual([]);
  });
});

describe('operator console without an admin token', () => {
  it('serves the live view and refuses every action as read-only', async () => {
    const readPool = createPool(postgresUrl(stack, stack.READ_DB_NAME), 2, 'console-test', 'read');
    const write = createPool(postgresUrl(stack, stack.WRITE_DB_NAME), 2, 'console-test');
    const pipeline = { write, read: readPool, slot: stack.DEBEZIUM_SLOT, offsetTable: stack.DEBEZIUM_OFFSET_TABLE };
    const settings = { ...stack, PROJECTOR_URLS: [`http://127.0.0.1:${stack.PROJECTOR_PORT}`], CONSOLE_ADMIN_TOKEN: undefined };
    const consoleDeps = operatorConsole(settings, { read: readPool, write, status: () => syncStatus(pipeline) });
    const app = createApp({
      readApi: { read: readPool, write, reader: { shopCurrency: 'USD' } },
      lag: pipeline,
      log: pino({ level: 'silent' }),
      console: consoleDeps,
    });
    const { server, port } = await listen(app, 0, '127.0.0.1');
    try {
      const base = `http://127.0.0.1:${port}/console`;
      const snapshot = (await (await fetch(`${base}/api/snapshot`)).json()) as {
        readOnly: boolean;
        queues: { shards: unknown[] };
      };
      expect(snapshot.readOnly).toBe(true);
      expect(snapshot.queues.shards).toHaveLength(routedShardCount(await readShardRouting(write)));
      const list = await fetch(`${base}/api/dead-letters`, { headers: { authorization: `Bearer ${TEST_CONSOLE_TOKEN}` } });
      expect(list.status).toBe(403);
      expect(await list.json()).toMatchObject({ error: 'console_read_only' });
      const res = await fetch(`${base}/api/dead-letters/redrive`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${TEST_CONSOLE_TOKEN}` },
        body: JSON.stringify({ all: true }),
      });
      expect(res.status).toBe(403);
      expect(await res.json()).toMatchObject({ error: 'console_read_only' });
      const operation = await fetch(`${base}/api/operations`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${TEST_CONSOLE_TOKEN}` },
        body: JSON.stringify({ kind: 'reconcile' }),
      });
      expect(operation.status).toBe(403);
      expect(await operation.json()).toMatchObject({ error: 'console_read_only' });
    } finally {
      consoleDeps.live.stop();
      await consoleDeps.queues.close();
      await closeServer(server);
      await Promise.all([readPool.end(), write.end()]);
    }
  });
});
