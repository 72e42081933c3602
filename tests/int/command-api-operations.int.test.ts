import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { pino } from 'pino';
import { describe, expect, inject, it } from 'vitest';
import { createPool } from '@shop/shared/db';
import { listen, closeServer } from '@shop/shared/http';
import { createApp } from '../../command-api/src/app.ts';
import { childEnv, repoRoot } from '../../infra/src/stack-config.ts';
import { connect, eventually } from '../support/clients.ts';
import { request, commandApiForThisFile, startCommandApi } from '../support/command-api.ts';

const stack = inject('stack');
const api = commandApiForThisFile(stack);

describe('command API operations', () => {
  it('/health is 200 while the database answers and 503 when it does not', async () => {
    expect(await request(`${api.url}/health`)).toMatchObject({ status: 200, body: { status: 'ok' } });

    const deadPool = createPool('postgres://postgres:postgres@127.0.0.1:1/none', 1, 'dead');
    const { server, port } = await listen(
      createApp({
        pool: deadPool,
        source: '0000000000000000',
        log: pino({ level: 'silent' }),
        bodyLimit: '1kb',
        shopCurrency: 'USD',
      }),
      0,
      '127.0.0.1',
    );
    try {
      const res = await request(`http://127.0.0.1:${port}/health`);
      expect(res.status).toBe(503);
      expect(res.text).not.toMatch(/ECONNREFUSED|at /);
    } finally {
      await closeServer(server);
      await deadPool.end();
    }
  });

  it('answers 503 with Retry-After when every database connection stays busy (overload), not 500', async () => {
    const busy = await startCommandApi(stack, { poolMax: 1 });
    const held = await busy.pool.connect(); // the only connection, as a long request would hold it
    try {
      const res = await fetch(`${busy.url}/api/products`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'Busy', category: 'b', price: 1, stock: 1 }),
      });
      expect(res.status).toBe(503);
      expect(res.headers.get('retry-after')).toBe('1');
      expect(await res.json()).toEqual({
        error: 'service_unavailable',
        message: 'the database has no free connection: try again',
      });
    } finally {
      held.release();
      await busy.close();
    }
  }, 20_000);

  it('/metrics counts requests by route pattern and status, with latency histograms', async () => {
    const created = await request(`${api.url}/api/products`, {
      method: 'POST',
      json: { name: 'M', category: 'm', price: 1, stock: 1 },
    });
    await request(`${api.url}/api/products/${created.body.productId}`, { method: 'PATCH', json: { stock: 2 } });
    await request(`${api.url}/api/products/abc`, { method: 'PATCH', json: { stock: 2 } });
    const metrics = (await request(`${api.url}/metrics`)).text;
    expect(metrics).toMatch(/http_requests_total\{[^}]*method="POST"[^}]*route="\/api\/products"[^}]*status="201"[^}]*\} 1/);
    expect(metrics).toMatch(
      /http_requests_total\{[^}]*method="PATCH"[^}]*route="\/api\/products\/:id"[^}]*status="200"[^}]*\} 1/,
    );
    expect(metrics).toMatch(
      /http_requests_total\{[^}]*method="PATCH"[^}]*route="\/api\/products\/:id"[^}]*status="400"[^}]*\} 1/,
    );
    expect(metrics).toMatch(/http_request_duration_seconds_bucket\{[^}]*route="\/api\/products"/);
  });

  it('on SIGTERM finishes the request in flight, then exits 0', async () => {
    const port = 18_090;
    const env = {
      ...childEnv(stack, 'command-api'),
      COMMAND_API_PORT: String(port),
      WRITE_DB_NAME: new URL(api.url.replace('http', 'postgres')).pathname,
    };
    const dbName = (await api.pool.query('SELECT current_database() AS db')).rows[0].db as string;
    env.WRITE_DB_NAME = dbName;
    const child = spawn(process.execPath, ['--import', 'tsx', join(repoRoot, 'command-api/src/main.ts')], {
      env,
      stdio: 'ignore',
    });
    const exited = once(child, 'exit');
    const locker = await connect(stack, dbName);
    try {
      await eventually(
        async () => ((await fetch(`http://127.0.0.1:${port}/health`).catch(() => undefined))?.ok ? true : undefined),
        20_000,
      );
      await locker.query('BEGIN');
      await locker.query('LOCK TABLE products IN EXCLUSIVE MODE');
      const inFlight = request(`http://127.0.0.1:${port}/api/products`, {
        method: 'POST',
        json: { name: 'Late', category: 'l', price: 1, stock: 1 },
      });
      await eventually(async () => {
        const { rows } = await api.pool.query(
          "SELECT 1 FROM pg_stat_activity WHERE datname = $1 AND application_name = 'command-api' AND wait_event_type = 'Lock'",
          [dbName],
        );
        return rows.length > 0 ? true : undefined;
      });
      child.kill('SIGTERM');
      await new Promise((r) => setTimeout(r, 300));
      await locker.query('COMMIT');
      expect((await inFlight).status).toBe(201);
      const [code] = await exited;
      expect(code).toBe(0);
    } finally {
      child.kill('SIGKILL');
      await locker.end();
    }
  });
});
