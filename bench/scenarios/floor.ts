import { fileURLToPath } from 'node:url';
import type { BenchContext } from '../context.ts';
import { startHelper } from '../helper-process.ts';

/** The floor's own slot; its walsender is the floor's cost, not the measured system's. */
export const FLOOR_SLOT = 'bench_floor';
const CLIENT = fileURLToPath(new URL('./floor-client.ts', import.meta.url));

/**
 * The floor: a bare logical-replication client on a slot of its own over the same publication,
 * no broker, no projector, in its own process. `stop()` returns when each OrderPlaced outbox row
 * arrived, by event id.
 */
export async function startFloor(ctx: BenchContext) {
  await ctx.write.query(`SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = $1`, [
    FLOOR_SLOT,
  ]);
  await ctx.write.query(`SELECT pg_create_logical_replication_slot($1, 'pgoutput')`, [FLOOR_SLOT]);
  const { PG_HOST: host, PG_PORT: port, PG_USER: user, PG_PASSWORD: password, WRITE_DB_NAME: database } = ctx.stack;
  const settings = {
    connection: { host, port, user, password, database },
    publication: ctx.stack.DEBEZIUM_PUBLICATION,
    slot: FLOOR_SLOT,
  };
  const client = await startHelper<[string, number][]>(CLIENT, settings, 'floor client');
  return {
    stop: async (): Promise<Map<string, number>> => {
      const arrivals = await client.stop();
      await new Promise((r) => setTimeout(r, 300));
      await ctx.write.query(
        `SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = $1 AND NOT active`,
        [FLOOR_SLOT],
      );
      return new Map(arrivals);
    },
  };
}
