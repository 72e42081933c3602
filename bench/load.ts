import { setTimeout as sleep } from 'node:timers/promises';

export interface OpenLoopResult {
  sent: number;
  ok: number;
  failed: number;
  /** Ids returned by successful requests. */
  ids: number[];
  requestMs: number[];
  /**
   * The send window, seconds: from the first request's start to the last one's, plus one interval
   * (so a load sent on schedule has exactly `seconds`; a load generator that fell behind, more).
   */
  sendSeconds: number;
}

/**
 * Open-loop load: requests start on a fixed schedule (rate per second) whether or not earlier
 * ones have answered, so a slow system cannot slow the offered load down (no coordinated omission).
 */
export async function openLoop(
  rate: number,
  seconds: number,
  send: (i: number) => Promise<number | undefined>,
  onTick: (sent: number) => void,
): Promise<OpenLoopResult> {
  const total = Math.round(rate * seconds);
  const result: OpenLoopResult = { sent: 0, ok: 0, failed: 0, ids: [], requestMs: [], sendSeconds: 0 };
  const inFlight: Promise<void>[] = [];
  const start = performance.now();
  for (let i = 0; i < total; i++) {
    const due = start + (i * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 1) await sleep(wait);
    const began = performance.now();
    result.sendSeconds = (began - start) / 1000 + 1 / rate;
    result.sent++;
    inFlight.push(
      send(i).then(
        (id) => {
          result.requestMs.push(performance.now() - began);
          if (id === undefined) result.failed++;
          else {
            result.ok++;
            result.ids.push(id);
          }
        },
        () => {
          result.failed++;
        },
      ),
    );
    if (i % Math.max(1, Math.round(rate / 4)) === 0) onTick(result.sent);
  }
  await Promise.all(inFlight);
  onTick(result.sent);
  return result;
}
