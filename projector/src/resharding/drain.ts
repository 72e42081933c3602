import { setTimeout as sleep } from 'node:timers/promises';
import type pg from 'pg';
import { handledAmong, inboxWatermark } from '@shop/shared/read-side';
import { afterRecheck, afterScan, isDrained, nextWindow, startDrain, type DrainState, type LoggedEvent } from './drain-check.ts';

export interface DrainOptions {
  /** The projector's pools: the write side's log (outbox_history), the read side's inbox and dead letters. */
  write: pg.Pool;
  read: pg.Pool;
  /** The switch's position P. */
  cut: number;
  timeoutMs: number;
  progress: (line: string) => void;
  windowSize?: number;
  pollMs?: number;
}

export class DrainTimeoutError extends Error {
  constructor(
    readonly cut: number,
    readonly pending: readonly LoggedEvent[],
  ) {
    super(
      `${pending.length} event(s) at or below position ${cut} are neither applied nor parked ` +
        `(first: ${pending
          .slice(0, 3)
          .map((e) => `${e.id} at ${e.position}`)
          .join(', ')})`,
    );
    this.name = 'DrainTimeoutError';
  }
}

/**
 * Waits until every event at or below the cut is applied or parked (drain-check.ts), reading the
 * log in windows and looking the rest up again every `pollMs`; says how many wait, now and then.
 */
export async function waitUntilDrained(opts: DrainOptions): Promise<void> {
  const { write, read, cut, timeoutMs, progress, windowSize = 5000, pollMs = 250 } = opts;
  const deadline = Date.now() + timeoutMs;
  let state = startDrain(cut, (await inboxWatermark(read)).prunedThrough);
  let said = 0;
  for (;;) {
    const window = nextWindow(state);
    if (window) {
      const logged = await loggedEvents(write, window.after, window.through, windowSize);
      state = afterScan(
        state,
        logged,
        windowSize,
        await handledAmong(
          read,
          logged.map((e) => e.id),
        ),
      );
      continue;
    }
    state = afterRecheck(
      state,
      await handledAmong(
        read,
        state.pending.map((e) => e.id),
      ),
      (await inboxWatermark(read)).prunedThrough,
    );
    if (isDrained(state)) return;
    if (Date.now() > deadline) throw new DrainTimeoutError(cut, state.pending);
    if (Date.now() - said >= 2000) {
      progress(describe(state));
      said = Date.now();
    }
    await sleep(pollMs);
  }
}

const describe = (state: DrainState) =>
  `${state.pending.length} event(s) at or below position ${state.cut} still to be applied in the old shards`;

/** Up to `limit` events of the whole log (archive included) in (after, through], in position order. */
async function loggedEvents(write: pg.Pool, after: number, through: number, limit: number): Promise<LoggedEvent[]> {
  const { rows } = await write.query<{ id: string; position: string }>(
    /* sql */ `SELECT id::text, position::text FROM outbox_history
                WHERE position > $1::bigint AND position <= $2::bigint ORDER BY position LIMIT $3::int`,
    [after, through, limit],
  );
  return rows.map((r) => ({ id: r.id, position: Number(r.position) }));
}
