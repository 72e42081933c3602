import { setTimeout as sleep } from 'node:timers/promises';
import type pg from 'pg';
import { readShardRouting } from '@shop/shared/outbox';
import { withTransaction } from '@shop/shared/db';

/**
 * The write side's steps of a change of the shard count (docs/scaling.md), as the owner: the
 * switch at a position P (outbox_switch_routing, migration 010), and the mark that the events at
 * or below P are drained.
 */
export interface SwitchOutcome {
  cut: number;
  /** False when the outbox was already routed by that count (a resumed change). */
  switched: boolean;
  drained: boolean;
}

/** How long the switch may wait for the outbox's writers; they wait behind it as long. */
const LOCK_TIMEOUT = '3s';
const ATTEMPTS = 5;

export async function switchRouting(write: pg.Pool, count: number): Promise<SwitchOutcome> {
  const routing = await readShardRouting(write);
  const last = routing[routing.length - 1]!;
  if (last.shardCount === count) return { cut: last.sincePosition, switched: false, drained: last.drainedAt !== null };
  for (let attempt = 1; ; attempt++) {
    try {
      const cut = await withTransaction(write, async (client) => {
        // A long wait for the lock would hold every new write behind it: give up and try again.
        await client.query(`SET LOCAL lock_timeout = '${LOCK_TIMEOUT}'`);
        const { rows } = await client.query<{ cut: string }>(/* sql */ `SELECT outbox_switch_routing($1::int)::text AS cut`, [
          count,
        ]);
        return Number(rows[0]!.cut);
      });
      return { cut, switched: true, drained: false };
    } catch (err) {
      if ((err as { code?: string }).code !== '55P03' || attempt >= ATTEMPTS) throw err;
      await sleep(500 * attempt);
    }
  }
}

/** Records that every event at or below `cut` is applied or parked: the projectors then consume the new shards. */
export async function markDrained(write: pg.Pool, cut: number): Promise<boolean> {
  const { rows } = await write.query<{ marked: boolean | null }>(/* sql */ `SELECT outbox_mark_drained($1::bigint) AS marked`, [
    cut,
  ]);
  return rows[0]?.marked === true;
}
