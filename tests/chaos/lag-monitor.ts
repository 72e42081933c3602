import type { StackConfig } from '../../infra/src/stack-config.ts';
import { projectorStats } from '../support/clients.ts';

export interface LagSample {
  at: number;
  eventsBehind: number;
  lagSeconds: number;
}

/** Samples the query API's sync-status every 500 ms, and the projector's duplicate count (summed across its restarts). */
export function startLagMonitor(stack: StackConfig) {
  const samples: LagSample[] = [];
  let duplicatesBefore = 0;
  let lastDuplicates = 0;
  const timer = setInterval(() => {
    void sampleStatus(stack).then((s) => s && samples.push(s));
    void projectorStats(stack).then(
      ({ duplicates: n }) => {
        // The counter starts again at 0 when the projector restarts: keep what the last one saw.
        if (n < lastDuplicates) duplicatesBefore += lastDuplicates;
        lastDuplicates = n;
      },
      () => undefined,
    );
  }, 500);
  return {
    samples,
    duplicatesAbsorbed: () => duplicatesBefore + lastDuplicates,
    stop: () => clearInterval(timer),
  };
}

async function sampleStatus(stack: StackConfig): Promise<LagSample | undefined> {
  try {
    const res = await fetch(`http://127.0.0.1:${stack.QUERY_API_PORT}/api/analytics/sync-status`, {
      signal: AbortSignal.timeout(2_000),
    });
    const body = (await res.json()) as { eventsBehind: number | null; lagSeconds: number | null };
    if (body.eventsBehind === null || body.lagSeconds === null) return undefined;
    return { at: Date.now(), eventsBehind: body.eventsBehind, lagSeconds: body.lagSeconds };
  } catch {
    return undefined;
  }
}
