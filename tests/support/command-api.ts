import { randomBytes } from 'node:crypto';
import type { Server } from 'node:http';
import { fileURLToPath } from 'node:url';
import type pg from 'pg';
import { afterAll, beforeAll } from 'vitest';
import { pino, type Logger } from 'pino';
import { postgresUrl } from '@shop/shared/config';
import { createPool, migrate } from '@shop/shared/db';
import { closeServer, listen, type ServerTimeouts } from '@shop/shared/http';
import { pipelineSource } from '@shop/shared/consistency';
import { createApp } from '../../command-api/src/app.ts';
import { ensureDatabases } from '../../infra/src/native/postgres-cluster.ts';
import type { StackConfig } from '../../infra/src/stack-config.ts';

const migrationsDir = fileURLToPath(new URL('../../command-api/migrations', import.meta.url));

export interface CommandApiUnderTest {
  url: string;
  pool: pg.Pool;
  close(): Promise<void>;
}

export interface CommandApiOptions {
  poolMax?: number;
  /** Where the service logs (silent by default). */
  log?: Logger;
  /** Server timeouts (the services' defaults otherwise). */
  timeouts?: ServerTimeouts;
}

/**
 * The command API in-process on port 0, over a fresh write database of its own (migrated) on the
 * test stack's cluster, so test files never see each other's rows.
 */
export async function startCommandApi(stack: StackConfig, options: CommandApiOptions = {}): Promise<CommandApiUnderTest> {
  const database = `cmd_${randomBytes(6).toString('hex')}`;
  await ensureDatabases(stack, [database]);
  const log = options.log ?? pino({ level: 'silent' });
  const url = postgresUrl(stack, database);
  await migrate(url, migrationsDir, log);
  const pool = createPool(url, options.poolMax ?? 10, 'command-api-test');
  const app = createApp({ pool, source: await pipelineSource(pool), log, bodyLimit: '100kb', shopCurrency: stack.SHOP_CURRENCY });
  const { server, port } = await listen(app, 0, '127.0.0.1', options.timeouts);
  return { url: `http://127.0.0.1:${port}`, pool, close: () => stop(server, pool) };
}

async function stop(server: Server, pool: pg.Pool) {
  await closeServer(server);
  await pool.end();
}

export interface Reply {
  status: number;
  text: string;
  body: Record<string, unknown>;
  headers: Headers;
}

export async function request(url: string, init: RequestInit & { json?: unknown } = {}): Promise<Reply> {
  const { json, ...rest } = init;
  const res = await fetch(url, {
    ...rest,
    ...(json === undefined
      ? {}
      : { body: JSON.stringify(json), headers: { 'content-type': 'application/json', ...rest.headers } }),
  });
  const text = await res.text();
  let body: Record<string, unknown> = {};
  try {
    body = JSON.parse(text) as Record<string, unknown>;
  } catch {
    // not JSON: tests read `text`
  }
  return { status: res.status, text, body, headers: res.headers };
}

/**
 * The command API for one test file: started before its tests, closed after them. The returned
 * object is filled in by the time the tests (and the file's own beforeAll hooks) run.
 */
export function commandApiForThisFile(stack: StackConfig, options: CommandApiOptions = {}): CommandApiUnderTest {
  const api = {} as CommandApiUnderTest;
  beforeAll(async () => {
    Object.assign(api, await startCommandApi(stack, options));
  });
  afterAll(() => api.close());
  return api;
}
