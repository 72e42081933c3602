/**
 * Which answers are worth another attempt, and how long to wait before it. Pure: the attempt loop
 * (attempts.ts) and its unit tests use it without a network.
 */

/** One attempt's outcome, as the webhook client reports it. */
export type AttemptResult =
  | { kind: 'answered'; status: number; retryAfter?: string | null }
  | { kind: 'network'; error: string }
  | { kind: 'timeout'; afterMs: number };

export type Classification =
  | { verdict: 'delivered' }
  /** Another attempt may succeed: a network error, a timeout, 408, 429, a 5xx. */
  | { verdict: 'retry'; reason: string; retryAfterMs?: number }
  /** The receiver refused this event: another attempt would be refused too (a 4xx but 408 and 429, or a 3xx). */
  | { verdict: 'refused'; reason: string };

export function classify(result: AttemptResult, now: number = Date.now()): Classification {
  if (result.kind === 'network') return { verdict: 'retry', reason: `network error: ${result.error}` };
  if (result.kind === 'timeout') return { verdict: 'retry', reason: `no answer within ${result.afterMs} ms` };
  const { status } = result;
  if (status >= 200 && status < 300) return { verdict: 'delivered' };
  if (status === 408 || status === 429 || status >= 500) {
    const retryAfterMs = parseRetryAfter(result.retryAfter, now);
    return { verdict: 'retry', reason: `HTTP ${status}`, ...(retryAfterMs === undefined ? {} : { retryAfterMs }) };
  }
  return { verdict: 'refused', reason: `HTTP ${status}` };
}

/** Retry-After as milliseconds from now: delta-seconds or an HTTP date (RFC 9110 10.2.3); undefined when absent or unreadable. */
export function parseRetryAfter(value: string | null | undefined, now: number = Date.now()): number | undefined {
  if (value === null || value === undefined) return undefined;
  const text = value.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  if (!/[a-z]/i.test(text)) return undefined;
  const at = Date.parse(text);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

export interface BackoffSettings {
  baseMs: number;
  maxMs: number;
}

/**
 * The pause before retry number `retry` (0 after the first failed attempt): exponential
 * (base · 2^retry) with full jitter (a uniform draw below it, so shards and instances that failed
 * together do not retry together), capped at maxMs. A Retry-After the receiver sent is honoured
 * as a floor, itself capped at maxMs: a receiver cannot park a shard for longer than that.
 */
export function retryDelayMs(retry: number, settings: BackoffSettings, random: () => number, retryAfterMs?: number): number {
  const ceiling = Math.min(settings.maxMs, settings.baseMs * 2 ** Math.min(retry, 30));
  const jittered = Math.floor(random() * ceiling);
  return Math.min(settings.maxMs, Math.max(jittered, retryAfterMs ?? 0));
}
