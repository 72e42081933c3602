import { expect } from 'vitest';
import type { ServerTimeouts } from '@shop/shared/http';
import { rawExchange, type RawOutcome, type RawRequest } from '../raw-http.ts';

/**
 * One hostile request and what a correct server does with it: answer one of `status` (4xx only)
 * within `withinMs`. `{product}` and `{order}` in paths, bodies and raw requests stand for ids
 * that exist, so that a server letting the request through would write.
 */
export interface HostileCase {
  name: string;
  /** The operation it aims at (`POST /api/orders`), to check that every one is covered. */
  endpoint: string;
  status: number[];
  /** Hanging up without a word is the right answer (only where no status is expected). */
  mayClose?: boolean;
  withinMs: number;
  /** Sent with fetch… */
  fetch?: { method?: string; path: string; headers?: [string, string][]; body?: string | Buffer };
  /** …or written by hand on a raw socket, for what fetch will not send. */
  raw?: Omit<RawRequest, 'timeoutMs' | 'send'> & { send: string | Buffer | ((ids: Ids) => string | Buffer) };
}

/** An answer that needs no server timeout to pass, even on a busy two-core machine. */
export const QUICK_MS = 5_000;

/** How long a case that waits out a server timeout may take: the timeout, one check interval, slack. */
export const cutOffWithin = (timeoutMs: number) => timeoutMs + 1_000 + 2_500;

export const timeoutsOf = (t: ServerTimeouts) => ({ headers: cutOffWithin(t.headersMs), request: cutOffWithin(t.requestMs) });

/** A request head as a client writes it: the request line, Host, the given header lines. */
export const head = (requestLine: string, ...lines: string[]) =>
  `${requestLine}\r\nHost: localhost\r\n${lines.map((line) => `${line}\r\n`).join('')}\r\n`;

export const JSON_TYPE: [string, string] = ['content-type', 'application/json'];

type FetchBody = { headers: [string, string][]; body?: string | Buffer };

/** A request fetch can send. */
export function call(
  name: string,
  endpoint: string,
  status: number[],
  method: string,
  path: string,
  body?: FetchBody,
): HostileCase {
  return { name, endpoint, status, withinMs: QUICK_MS, fetch: { method, path, ...body } };
}

/** A request written by hand; with no status expected, the server must hang up. */
export function raw(
  name: string,
  endpoint: string,
  status: number[],
  request: NonNullable<HostileCase['raw']>,
  withinMs = QUICK_MS,
): HostileCase {
  return { name, endpoint, status, mayClose: status.length === 0, withinMs, raw: request };
}

export type Ids = Record<'product' | 'order', number>;

const fill = (text: string, ids: Ids) =>
  text.replaceAll('{product}', String(ids.product)).replaceAll('{order}', String(ids.order));
const fillBody = (body: string | Buffer, ids: Ids) => (typeof body === 'string' ? fill(body, ids) : body);

const asBodyInit = (body: string | Buffer) => (typeof body === 'string' ? body : new Uint8Array(body));

export async function sendHostile(port: number, c: HostileCase, ids: Ids): Promise<RawOutcome> {
  if (c.raw) {
    const send = typeof c.raw.send === 'function' ? c.raw.send(ids) : fillBody(c.raw.send, ids);
    return rawExchange(port, { ...c.raw, send, timeoutMs: c.withinMs });
  }
  const { method = 'GET', path, headers = [], body } = c.fetch!;
  const started = Date.now();
  const elapsedMs = () => Date.now() - started;
  try {
    const res = await fetch(`http://127.0.0.1:${port}${fill(path, ids)}`, {
      method,
      headers,
      ...(body === undefined ? {} : { body: asBodyInit(fillBody(body, ids)) }),
      signal: AbortSignal.timeout(c.withinMs),
    });
    const text = await res.text();
    return { status: res.status, closed: false, timedOut: false, elapsedMs: elapsedMs(), head: text.slice(0, 300) };
  } catch (err) {
    const timedOut = (err as Error).name === 'TimeoutError';
    return { status: undefined, closed: !timedOut, timedOut, elapsedMs: elapsedMs(), head: String(err) };
  }
}

/** The outcome is a refusal the case allows, in time, without a stack trace. */
export function expectRefused(c: HostileCase, outcome: RawOutcome): void {
  const seen = `${outcome.status ?? (outcome.closed ? 'closed' : 'nothing')} after ${outcome.elapsedMs} ms: ${outcome.head}`;
  expect(outcome.timedOut, `no answer within ${c.withinMs} ms`).toBe(false);
  if (outcome.status === undefined) expect(c.mayClose ?? false, `closed without an answer (${seen})`).toBe(true);
  else expect(c.status, seen).toContain(outcome.status);
  expect(outcome.elapsedMs, seen).toBeLessThan(c.withinMs);
  expect(outcome.head).not.toMatch(/at .*\.(ts|js):\d+/);
}

/** Documented operations (`GET /api/products/{id}`) no case aims at. */
export function uncovered(document: { paths?: Record<string, object | undefined> }, cases: HostileCase[]): string[] {
  const operations = Object.entries(document.paths ?? {}).flatMap(([path, item]) =>
    Object.keys(item ?? {}).map((method) => `${method.toUpperCase()} ${path}`),
  );
  const aimed = new Set(cases.map((c) => c.endpoint));
  return operations.filter((operation) => !aimed.has(operation));
}
