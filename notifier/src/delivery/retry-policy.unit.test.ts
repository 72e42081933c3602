import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { classify, parseRetryAfter, retryDelayMs } from './retry-policy.ts';

describe('retry classification', () => {
  it('delivers on 2xx only', () => {
    for (const status of [200, 201, 202, 204, 299]) expect(classify({ kind: 'answered', status }).verdict).toBe('delivered');
  });

  it('retries network errors, timeouts, 408, 429 and 5xx', () => {
    expect(classify({ kind: 'network', error: 'ECONNREFUSED' })).toEqual({
      verdict: 'retry',
      reason: 'network error: ECONNREFUSED',
    });
    expect(classify({ kind: 'timeout', afterMs: 5000 }).verdict).toBe('retry');
    for (const status of [408, 429, 500, 502, 503, 504, 599])
      expect(classify({ kind: 'answered', status }).verdict, String(status)).toBe('retry');
  });

  it('does not retry another 4xx, nor a redirect', () => {
    for (const status of [301, 302, 400, 401, 403, 404, 409, 410, 413, 422])
      expect(classify({ kind: 'answered', status }), String(status)).toEqual({ verdict: 'refused', reason: `HTTP ${status}` });
  });

  it('reads Retry-After as seconds or an HTTP date', () => {
    const now = Date.parse('2026-12-07T12:00:00Z');
    expect(parseRetryAfter('3', now)).toBe(3000);
    expect(parseRetryAfter(' 0 ', now)).toBe(0);
    expect(parseRetryAfter('Mon, 07 Dec 2026 12:00:10 GMT', now)).toBe(10_000);
    expect(parseRetryAfter('Mon, 07 Dec 2026 11:00:00 GMT', now)).toBe(0);
    expect(parseRetryAfter('-1', now)).toBeUndefined();
    expect(parseRetryAfter('1.5', now)).toBeUndefined();
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter(null, now)).toBeUndefined();
    expect(classify({ kind: 'answered', status: 429, retryAfter: '2' }, now)).toEqual({
      verdict: 'retry',
      reason: 'HTTP 429',
      retryAfterMs: 2000,
    });
  });
});

describe('backoff schedule', () => {
  const settings = { baseMs: 200, maxMs: 30_000 };

  it('doubles the ceiling per retry up to the cap, full jitter below it', () => {
    expect([0, 1, 2, 3, 4].map((retry) => retryDelayMs(retry, settings, () => 0.999999))).toEqual([199, 399, 799, 1599, 3199]);
    expect(retryDelayMs(20, settings, () => 0.999999)).toBe(29_999);
    expect(retryDelayMs(1000, settings, () => 0.5)).toBe(15_000);
    expect(retryDelayMs(3, settings, () => 0)).toBe(0);
  });

  it('honours Retry-After as a floor, never above the cap', () => {
    expect(retryDelayMs(0, settings, () => 0, 5000)).toBe(5000);
    expect(retryDelayMs(0, settings, () => 0, 3_600_000)).toBe(30_000);
  });

  it('stays within [0, cap] and at least the Retry-After (capped), for any draw', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 200 }),
        fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
        fc.option(fc.integer({ min: 0, max: 10_000_000 }), { nil: undefined }),
        fc.integer({ min: 1, max: 10_000 }),
        fc.integer({ min: 10, max: 3_600_000 }),
        (retry, draw, retryAfter, baseMs, maxMs) => {
          const delay = retryDelayMs(retry, { baseMs, maxMs }, () => draw, retryAfter);
          expect(delay).toBeGreaterThanOrEqual(Math.min(retryAfter ?? 0, maxMs));
          expect(delay).toBeLessThanOrEqual(maxMs);
          expect(delay).toBeLessThanOrEqual(Math.max(Math.min(maxMs, baseMs * 2 ** retry), Math.min(retryAfter ?? 0, maxMs)));
        },
      ),
    );
  });
});
