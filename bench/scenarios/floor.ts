import { LogicalReplicationService, PgoutputPlugin } from 'pg-logical-replication';
import type { BenchContext } from '../context.ts';

const SLOT = 'bench_floor';

/**
 * The floor: a bare logical-replication client on a slot of its own over the same publication,
 * no broker, no projector. Records when each OrderPlaced outbox row arrives.
 */
export async function startFloor(ctx: BenchContext) {
  await ctx.write.query(`SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = $1`, [SLOT]);
  await ctx.write.query(`SELECT pg_create_logical_replication_slot($1, 'pgoutput')`, [SLOT]);
  const arrivals = new Map<string, number>();
  const service = new LogicalReplicationService(
    {
      host: ctx.stack.PG_HOST,
      port: ctx.stack.PG_PORT,
      user: ctx.stack.PG_USER,
      password: ctx.stack.PG_PASSWORD,
      database: ctx.stack.WRITE_DB_NAME,
    },
    { acknowledge: { auto: true, timeoutSeconds: 1 } },
  );
  service.on('data', (_lsn: string, message: { tag: string; relation?: { name: string }; new?: Record<string, unknown> }) => {
    if (message.tag === 'insert' && message.relation?.name === 'outbox' && message.new?.type === 'OrderPlaced') {
      arrivals.set(String(message.new.id), Date.now());
    }
  });
  service.on('error', () => undefined);
  const plugin = new PgoutputPlugin({ protoVersion: 1, publicationNames: [ctx.stack.DEBEZIUM_PUBLICATION] });
  void service.subscribe(plugin, SLOT).catch(() => undefined);
  await new Promise((r) => setTimeout(r, 500));
  return {
    arrivals,
    stop: async () => {
      await service.stop().catch(() => undefined);
      await new Promise((r) => setTimeout(r, 300));
      await ctx.write.query(
        `SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = $1 AND NOT active`,
        [SLOT],
      );
    },
  };
}
