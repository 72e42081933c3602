import { setTimeout as sleep } from 'node:timers/promises';

/** Polls `check` until it returns true; throws what `failure()` says if `abort()` fires or time runs out. */
export async function waitUntil(
  what: string,
  check: () => Promise<boolean>,
  opts: { timeoutMs: number; intervalMs?: number; abort?: () => string | undefined },
): Promise<void> {
  const deadline = Date.now() + opts.timeoutMs;
  while (Date.now() < deadline) {
    const aborted = opts.abort?.();
    if (aborted) throw new Error(aborted);
    if (await check().catch(() => false)) return;
    await sleep(opts.intervalMs ?? 250);
  }
  throw new Error(`${what} did not become ready within ${Math.round(opts.timeoutMs / 1000)} s`);
}

export async function httpOk(url: string): Promise<boolean> {
  const res = await fetch(url, { signal: AbortSignal.timeout(2_000) });
  return res.ok;
}
