import pg from 'pg';
import type { StackConfig } from '../stack-config.ts';
import { pgConnection } from './postgres-cluster.ts';

/** True once Debezium streams from its slot: the slot exists in the write database and is active. */
export async function isSlotActive(config: StackConfig): Promise<boolean> {
  const client = new pg.Client(pgConnection(config, config.WRITE_DB_NAME));
  await client.connect();
  try {
    const { rows } = await client.query<{ active: boolean }>(
      /* sql */ `SELECT active FROM pg_replication_slots WHERE slot_name = $1::text`,
      [config.DEBEZIUM_SLOT],
    );
    return rows[0]?.active === true;
  } finally {
    await client.end();
  }
}
