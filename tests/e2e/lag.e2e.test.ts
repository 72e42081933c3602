import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pino } from 'pino';
import { describe, expect, inject, it } from 'vitest';
import { postgresUrl } from '@shop/shared/config';
import { createPool } from '@shop/shared/db';
import { closeServer, listen } from '@shop/shared/http';
import { DEBEZIUM, debeziumMetricsUrl } from '../../infra/src/native/debezium-server.ts';
import { stackDirs, stopRecorded } from '../../infra/src/native/processes.ts';
import { stackShardCount } from '../../infra/src/native/rabbitmq.ts';
import { startServices, startStack } from '../../infra/src/native/stack.ts';
import { childEnv, repoRoot } from '../../infra/src/stack-config.ts';
import { createApp } from '../../query-api/src/app.ts';
import { commandApi, eventually, postJson, queryApi, stackDatabases } from '../support/clients.ts';
import { publishRaw } from '../support/publish.ts';

const stack = inject('stack');
const dirs = stackDirs(stack.stackDir);
const { read } = stackDatabases(stack);

interface Status {
  lagSeconds: number | null;
  eventsBehind: number | null;
  debezium: { active: boolean | null; lagBytes: number | null };
  unreachable: string[];
}
const status = async () => (await (await fetch(`${queryApi(stack)}/api/analytics/sync-status`)).json()) as Status;

/** Runs `npm run lag` (its entry file) against the test stack; resolves with exit code and JSON output. */
function runLagInspector(args: string[]): Promise<{ code: number; output: { ok: boolean; problems: string[] } }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(repoRoot, 'query-api/src/cli/lag.ts'), '--json', ...args], {
      env: childEnv(stack, 'query-api'),
      cwd: join(repoRoot, 'query-api'),
    });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.on('error', reject);
    child.on('exit', (code) => resolve({ code: code ?? -1, output: JSON.parse(out) }));
  });
}

async function placeOrders(n: number) {
  const product = await postJson(`${commandApi(stack)}/api/products`, { name: 'Lag', category: 'lag', price: 3, stock: 1000 });
  for (let i = 0; i < n; i++) {
    await postJson(`${commandApi(stack)}/api/orders`, {
      customerId: 9,
      items: [{ productId: product.body.productId, quantity: 1 }],
    });
  }
}

/**
 * Takes the events published by hand back out of the read side (products, inbox and its per-shard
 * counts), so the files after this one compare read models with the write side as if they never came.
 */
async function forgetHandPublished(products: number[]) {
  await read.query(
    `WITH gone AS (
       DELETE FROM read.inbox
        WHERE event_type = 'ProductCreated' AND position IS NULL AND aggregate_id = ANY($1::text[])
        RETURNING abs(hashtextextended('product:' || aggregate_id, 0)) % $2::int AS shard),
     counted AS (SELECT shard, count(*) AS n FROM gone GROUP BY shard)
     UPDATE read.shard_progress c SET applied = c.applied - counted.n FROM counted WHERE c.shard = counted.shard`,
    [products.map(String), await stackShardCount(stack)],
  );
  await read.query('DELETE FROM read.products WHERE product_id = ANY($1::int[])', [products]);
}

describe('lag inspection', () => {
  it('caught up and idle: lagSeconds is 0 and stays 0, eventsBehind 0, the inspector exits 0', async () => {
    await eventually(async () => ((await status()).eventsBehind === 0 ? true : undefined), 20_000);
    const first = await status();
    await new Promise((r) => setTimeout(r, 1500));
    const second = await status();
    expect([first.lagSeconds, second.lagSeconds]).toEqual([0, 0]);
    const lag = await runLagInspector([]);
    expect(lag).toMatchObject({ code: 0, output: { ok: true, problems: [] } });
  });

  it('with the projector stopped, eventsBehind and lagSeconds grow and the inspector exits non-zero; both recover', async () => {
    await stopRecorded(dirs, 'projector');
    await placeOrders(3);
    const first = await eventually(async () => {
      const s = await status();
      return s.eventsBehind !== null && s.eventsBehind >= 7 ? s : undefined;
    }, 20_000);
    await placeOrders(1);
    await new Promise((r) => setTimeout(r, 1000));
    const second = await status();
    expect(second.eventsBehind).toBeGreaterThan(first.eventsBehind!);
    expect(second.lagSeconds).toBeGreaterThan(first.lagSeconds!);
    const lag = await runLagInspector(['--max-lag-seconds', '0.5']);
    expect(lag.code).toBe(1);
    expect(lag.output.problems.join()).toMatch(/lag .* exceeds 0.5 s/);

    await startServices(stack, dirs, () => undefined);
    const recovered = await eventually(async () => {
      const s = await status();
      return s.eventsBehind === 0 ? s : undefined;
    }, 20_000);
    expect(recovered.lagSeconds).toBe(0);
    expect((await runLagInspector([])).code).toBe(0);
  });

  it('events that did not come from the outbox do not hide pending ones', async () => {
    // Fifty valid events published by hand (no outbox row): the projector applies them.
    const before = (await (await fetch(`${queryApi(stack)}/api/analytics/sync-status`)).json()) as {
      projector: { processed: number };
    };
    const products = Array.from({ length: 50 }, (_, i) => 1_950_000_000 + i);
    await publishRaw(
      stack,
      products.map((productId) => ({
        type: 'ProductCreated',
        aggregateType: 'product',
        aggregateId: String(productId),
        payload: { productId, name: 'By hand', category: 'lag', price: 1, stock: 1 },
      })),
    );
    await eventually(async () => {
      const s = (await (await fetch(`${queryApi(stack)}/api/analytics/sync-status`)).json()) as {
        projector: { processed: number };
      };
      return s.projector.processed >= before.projector.processed + 50 ? true : undefined;
    }, 20_000);
    await stopRecorded(dirs, 'projector');
    try {
      await placeOrders(3);
      const behind = await eventually(async () => {
        const s = await status();
        return s.eventsBehind !== null && s.eventsBehind >= 4 ? s : undefined;
      }, 20_000);
      expect(behind.lagSeconds).toBeGreaterThan(0);
      const lag = await runLagInspector(['--max-lag-seconds', '0']);
      expect(lag.code).toBe(1);
    } finally {
      await startServices(stack, dirs, () => undefined);
      await forgetHandPublished(products);
    }
    await eventually(async () => ((await status()).eventsBehind === 0 ? true : undefined), 20_000);
  });

  it('with Debezium stopped, the slot is inactive and lagBytes grows as orders are written; both recover', async () => {
    await stopRecorded(dirs, DEBEZIUM);
    const inactive = await eventually(async () => {
      const s = await status();
      return s.debezium.active === false ? s : undefined;
    }, 20_000);
    await placeOrders(5);
    const later = await status();
    expect(later.debezium.lagBytes).toBeGreaterThan(inactive.debezium.lagBytes!);
    expect(later.eventsBehind).toBeGreaterThan(0);
    const lag = await runLagInspector([]);
    expect(lag.code).toBe(1);
    expect(lag.output.problems.join()).toMatch(/not active/);

    await startStack(stack, () => undefined);
    const recovered = await eventually(async () => {
      const s = await status();
      return s.debezium.active === true && s.eventsBehind === 0 ? s : undefined;
    }, 30_000);
    expect(recovered.lagSeconds).toBe(0);
  });

  it("exposes every metric the alert rules read, with live values: ours and Debezium Server's own", async () => {
    const metrics = async (url: string) => {
      const res = await fetch(url);
      expect(res.status).toBe(200);
      return res.text();
    };
    const value = (text: string, series: string) => {
      // `series` is a name, or a name and the start of its labels.
      const starts = series.includes('{') ? [series] : [`${series} `, `${series}{`];
      const line = text.split('\n').find((l) => starts.some((start) => l.startsWith(start)));
      return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(' ') + 1));
    };
    const debezium = await metrics(debeziumMetricsUrl(stack));
    expect(value(debezium, 'debezium_metrics_Connected{context="streaming"')).toBe(1);
    // Every Debezium metric the alert rules and the Grafana dashboard use is one it exports.
    const used = ['infra/prometheus/alerts.yml', 'infra/grafana/dashboards/pipeline.json']
      .map((f) => readFileSync(join(repoRoot, f), 'utf8'))
      .join('\n')
      .match(/\bdebezium_metrics_[A-Za-z]+/g);
    expect(used?.length).toBeGreaterThan(1);
    for (const name of new Set(used))
      expect(debezium, `${name} is not exported by Debezium`).toMatch(new RegExp(`^${name}\\{`, 'm'));
    const projector = await metrics(`http://127.0.0.1:${stack.PROJECTOR_PORT}/metrics`);
    expect(value(projector, 'projector_broker_connected')).toBe(1);
    // The projector runs a retention round at start: the two retention alerts read these.
    expect(projector).toMatch(/^projector_retention_rounds_total\{[^}]*outcome="ok"[^}]*\} [1-9]/m);
    expect(value(projector, 'projector_retention_overdue_partitions')).toBe(0);
    const query = await metrics(`${queryApi(stack)}/metrics`);
    expect(value(query, 'pipeline_slot_active')).toBe(1);
    const confirmed = value(query, 'pipeline_slot_confirmed_flush_lsn_bytes')!;
    expect(confirmed).toBeGreaterThan(0);
    // It moves as Debezium confirms what it published (the test stack's heartbeat is 2 s).
    await placeOrders(3);
    await eventually(
      async () =>
        value(await metrics(`${queryApi(stack)}/metrics`), 'pipeline_slot_confirmed_flush_lsn_bytes')! > confirmed
          ? true
          : undefined,
      30_000,
    );
  });

  it('names an unreachable database instead of failing the whole call', async () => {
    const read = createPool(postgresUrl(stack, stack.READ_DB_NAME), 2, 'lag-test', 'read');
    const write = createPool('postgres://postgres:postgres@127.0.0.1:1/nowhere', 1, 'lag-test');
    const app = createApp({
      readApi: { read, write, reader: { shopCurrency: 'USD' } },
      lag: { write, read, slot: stack.DEBEZIUM_SLOT, offsetTable: stack.DEBEZIUM_OFFSET_TABLE },
      log: pino({ level: 'silent' }),
    });
    const { server, port } = await listen(app, 0, '127.0.0.1');
    try {
      const res = await fetch(`http://127.0.0.1:${port}/api/analytics/sync-status`);
      expect(res.status).toBe(200);
      const body = (await res.json()) as Status & { projector: { processed: number } };
      expect(body.unreachable).toEqual(['writeDatabase']);
      expect(body.debezium.active).toBeNull();
      expect(typeof body.projector.processed).toBe('number');
    } finally {
      await closeServer(server);
      await Promise.all([read.end(), write.end()]);
    }
  });
});
