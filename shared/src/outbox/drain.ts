import { setTimeout as sleep } from 'node:timers/promises';
import type pg from 'pg';
import { afterRecheck, afterScan, isDrained, nextWindow, startDrain, type DrainState, type LoggedEvent } from './drain-check.ts';

export interface DrainOptions {
  /** The write side's log (outbox_history). */
  write: pg.Pool;
  /**
   * The consumer's side: which of these event ids it handled (applied or parked: the projector's
   * inbox and dead letters; the notifier's inbox), and the position at or below which every
   * event counts as handled without a look-up (the projector's pruning watermark).
   */
  handledAmong(ids: string[]): Promise<Set<string>>;
  handledThrough(): Promise<number>;
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
  const { write, handledAmong, handledThrough, cut, timeoutMs, progress, windowSize = 5000, pollMs = 250 } = opts;
  const deadline = Date.now() + timeoutMs;
  let state = startDrain(cut, await handledThrough());
  let said = 0;
  for (;;) {
    const window = nextWindow(state);
    if (window) {
      const logged = await loggedEvents(write, window.after, window.through, windowSize);
      state = afterScan(state, logged, windowSize, await handledAmong(logged.map((e) => e.id)));
      continue;
    }
    state = afterRecheck(state, await handledAmong(state.pending.map((e) => e.id)), await handledThrough());
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
  `${state.pending.length} event(s) at or below position ${state.cut} still to be handled in the old shards`;

/** Up to `limit` events of the whole log (archive included) in (after, through], in position order. */
async function loggedEvents(write: pg.Pool, after: number, through: number, limit: number): Promise<LoggedEvent[]> {
  const { rows } = await write.query<{ id: string; position: string }>(
    /* sql */ `SELECT id::text, position::text FROM outbox_history
                WHERE position > $1::bigint AND position <= $2::bigint ORDER BY position LIMIT $3::int`,
    [after, through, limit],
  );
  return rows.map((r) => ({ id: r.id, position: Number(r.position) }));
}
