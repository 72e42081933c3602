import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { afterAll } from 'vitest';
import { postgresUrl } from '@shop/shared/config';
import { createPool } from '@shop/shared/db';
import { pgConnection } from '../../infra/src/native/postgres-cluster.ts';
import { dbLogin, type StackConfig } from '../../infra/src/stack-config.ts';

export const commandApi = (stack: StackConfig) => `http://127.0.0.1:${stack.COMMAND_API_PORT}`;
export const queryApi = (stack: StackConfig) => `http://127.0.0.1:${stack.QUERY_API_PORT}`;

export async function postJson(url: string, body: unknown) {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return {
    status: res.status,
    body: (await res.json()) as Record<string, unknown>,
    /** The command's Consistency-Token (read-your-writes), when it answered with one. */
    token: res.headers.get('consistency-token') ?? undefined,
  };
}

export async function connect(stack: StackConfig, database: string): Promise<pg.Client> {
  const client = new pg.Client(pgConnection(stack, database));
  // Tests restart the database on purpose; a dropped test connection must not fail the run.
  client.on('error', () => undefined);
  await client.connect();
  return client;
}

/** Polls `probe` until it returns a value (not undefined) or the deadline passes. */
export async function eventually<T>(probe: () => Promise<T | undefined>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await sleep(50);
  }
}

/** GET returning the parsed body on 200, undefined on 404 (not projected yet). */
export async function getIfFound(url: string): Promise<unknown> {
  const res = await fetch(url);
  if (res.status === 404) return undefined;
  if (!res.ok) throw new Error(`GET ${url} answered ${res.status}`);
  return res.json();
}

/** The projector's counters from its /health (reset when it restarts). */
export async function projectorStats(stack: StackConfig, port = stack.PROJECTOR_PORT) {
  const res = await fetch(`http://127.0.0.1:${port}/health`);
  return (await res.json()) as { processed: number; duplicates: number; deadLettered: number; status: string };
}

/** Waits until every event in the write side's outbox has been applied by the projector. */
export async function waitUntilProjected(stack: StackConfig, timeoutMs = 30_000): Promise<void> {
  const write = await connect(stack, stack.WRITE_DB_NAME);
  const read = await connect(stack, stack.READ_DB_NAME);
  try {
    await eventually(async () => {
      const ids = (await write.query('SELECT id FROM outbox')).rows.map((r) => r.id as string);
      const { rows } = await read.query('SELECT count(*)::int AS n FROM read.inbox WHERE event_id = ANY($1::uuid[])', [ids]);
      return rows[0].n === ids.length ? true : undefined;
    }, timeoutMs);
  } finally {
    await write.end();
    await read.end();
  }
}

/**
 * Pools on the stack's write and read databases for one test file, closed after it. Pools
 * reconnect by themselves, so tests that restart the database need nothing more.
 */
export function stackDatabases(stack: StackConfig) {
  return poolsFor(postgresUrl(stack, stack.WRITE_DB_NAME), postgresUrl(stack, stack.READ_DB_NAME));
}

/**
 * The same, logged in as the projector's role: what a test runs of the projector's own jobs (a
 * rebuild, retention) must run as it does, or the tables it makes would not be the projector's.
 */
export function projectorDatabases(stack: StackConfig) {
  const login = dbLogin(stack, 'projector');
  return poolsFor(postgresUrl(login, stack.WRITE_DB_NAME), postgresUrl(login, stack.READ_DB_NAME));
}

function poolsFor(writeUrl: string, readUrl: string) {
  const dbs = {
    write: createPool(writeUrl, 3, 'test'),
    read: createPool(readUrl, 3, 'test'),
  };
  afterAll(async () => {
    await Promise.all([dbs.write.end(), dbs.read.end()]);
  });
  return dbs;
}
