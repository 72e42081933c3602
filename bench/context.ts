import type pg from 'pg';
import { postJsonRequest } from './http-client.ts';
import { postgresUrl } from '@shop/shared/config';
import { createPool } from '@shop/shared/db';
import { stackDirs, type StackDirs } from '../infra/src/native/processes.ts';
import type { StackConfig } from '../infra/src/stack-config.ts';

export interface BenchContext {
  stack: StackConfig;
  dirs: StackDirs;
  write: pg.Pool;
  read: pg.Pool;
  commandApi: string;
  queryApi: string;
  log: (line: string) => void;
  /** Product ids with a large stock, created for the workload. */
  products: number[];
}

export function createContext(stack: StackConfig, log: (line: string) => void): BenchContext {
  return {
    stack,
    dirs: stackDirs(stack.stackDir),
    write: createPool(postgresUrl(stack, stack.WRITE_DB_NAME), 5, 'bench'),
    read: createPool(postgresUrl(stack, stack.READ_DB_NAME), 5, 'bench', 'read'),
    commandApi: `http://127.0.0.1:${stack.COMMAND_API_PORT}`,
    queryApi: `http://127.0.0.1:${stack.QUERY_API_PORT}`,
    log,
    products: [],
  };
}

/** The JSON answer of a successful (2xx) POST, undefined otherwise (bench/http-client.ts). */
export async function postJson(url: string, body: unknown): Promise<Record<string, unknown> | undefined> {
  const answer = await postJsonRequest(url, body);
  return answer.status >= 200 && answer.status < 300 ? answer.body : undefined;
}

/** An order of 1–3 lines over the workload's products. */
export function orderBody(ctx: BenchContext, i: number) {
  const lines = 1 + (i % 3);
  return {
    customerId: 1 + (i % 500),
    items: Array.from({ length: lines }, (_, k) => ({
      productId: ctx.products[(i * 7 + k * 13) % ctx.products.length]!,
      quantity: 1 + (k % 2),
    })),
  };
}

export async function createProducts(ctx: BenchContext, n: number) {
  for (let i = 0; i < n; i++) {
    const res = await postJson(`${ctx.commandApi}/api/products`, {
      name: `Bench ${i}`,
      category: `bench-${i % 5}`,
      price: 5 + i,
      stock: 1_000_000_000,
    });
    ctx.products.push(res!.productId as number);
  }
}

/**
 * Waits until the projector has applied every outbox event, reporting how many remain. With
 * `settleMs`, a pipeline that applies nothing for that long counts as done (one that lost events:
 * what it lost is counted by the caller); without it, that is an error at `timeoutMs`.
 */
export async function waitUntilDrained(
  ctx: BenchContext,
  timeoutMs: number,
  onRemaining: (n: number) => void = () => undefined,
  settleMs?: number,
) {
  const deadline = Date.now() + timeoutMs;
  let last = { done: -1, at: Date.now() };
  for (;;) {
    const total = (await ctx.write.query('SELECT count(*)::int AS n FROM outbox')).rows[0].n as number;
    const done = (await ctx.read.query('SELECT count(*)::int AS n FROM inbox')).rows[0].n as number;
    onRemaining(total - done);
    if (done >= total) return;
    if (done !== last.done) last = { done, at: Date.now() };
    else if (settleMs !== undefined && Date.now() - last.at >= settleMs) return;
    if (Date.now() > deadline) throw new Error(`pipeline not drained: ${total - done} events left`);
    await new Promise((r) => setTimeout(r, 200));
  }
}
