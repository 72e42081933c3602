import pg from 'pg';
import type { StackConfig } from '../stack-config.ts';
import { debeziumInstanceNames, debeziumPorts, type DebeziumInstance } from './debezium-server.ts';
import { holderApplicationName } from './debezium-holder.ts';
import { pgConnection } from './postgres-cluster.ts';
import { runningPid, stackDirs } from './processes.ts';

async function withWriteDb<T>(config: StackConfig, run: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client(pgConnection(config, config.WRITE_DB_NAME));
  await client.connect();
  try {
    return await run(client);
  } finally {
    await client.end();
  }
}

/** True once Debezium streams from its slot: the slot exists in the write database and is active. */
export async function isSlotActive(config: StackConfig): Promise<boolean> {
  return withWriteDb(config, async (client) => {
    const { rows } = await client.query<{ active: boolean }>(
      /* sql */ `SELECT active FROM pg_replication_slots WHERE slot_name = $1::text`,
      [config.DEBEZIUM_SLOT],
    );
    return rows[0]?.active === true;
  });
}

/**
 * The slot, its lease (command-api/migrations/010_debezium_lease.sql) and the holders' sessions:
 * the instance whose session holds the lease's lock, since when, and the walsender.
 */
async function slotAndLease(config: StackConfig) {
  return withWriteDb(config, async (client) => {
    const { rows } = await client.query<{
      slot_active: boolean | null;
      active_pid: number | null;
      holder: string | null;
      since: Date | null;
      sessions: string[];
    }>(
      /* sql */ `SELECT (SELECT active FROM pg_replication_slots WHERE slot_name = $1::text) AS slot_active,
                        (SELECT active_pid FROM pg_replication_slots WHERE slot_name = $1::text) AS active_pid,
                        (SELECT instance FROM debezium_lease_status WHERE slot = $1::text AND held) AS holder,
                        (SELECT acquired_at FROM debezium_lease_status WHERE slot = $1::text AND held) AS since,
                        ARRAY(SELECT application_name FROM pg_stat_activity
                               WHERE datname = current_database() AND application_name LIKE 'debezium-lease:%') AS sessions`,
      [config.DEBEZIUM_SLOT],
    );
    const row = rows[0]!;
    return {
      slotActive: row.slot_active === true,
      activePid: row.active_pid,
      holder: row.holder,
      since: row.since,
      sessions: new Set(row.sessions),
    };
  });
}

export type DebeziumRole = 'active' | 'starting' | 'standby' | 'down';

export interface DebeziumInstanceView {
  name: DebeziumInstance;
  /** The lease holder's pid (the JVM is its child); undefined when not running. */
  pid: number | undefined;
  ports: { http: number; metrics: number };
  /**
   * active: holds the lease and the slot is streaming; starting: holds the lease and the slot is not
   * streaming yet, or has no session yet; standby: its session waits for the lease; down: not running.
   */
  role: DebeziumRole;
  /** When it took the lease (active or starting). */
  since: Date | undefined;
}

/** The stack's Debezium instances and which one streams, from the lease table and its advisory lock. */
export async function debeziumInstances(config: StackConfig): Promise<DebeziumInstanceView[]> {
  const dirs = stackDirs(config.stackDir);
  const lease = await slotAndLease(config);
  return debeziumInstanceNames(config).map((name) => {
    const pid = runningPid(dirs, name);
    const holds = lease.holder === name;
    const waits = lease.sessions.has(holderApplicationName(name));
    const role: DebeziumRole =
      pid === undefined ? 'down' : holds ? (lease.slotActive ? 'active' : 'starting') : waits ? 'standby' : 'starting';
    return { name, pid, ports: debeziumPorts(config, name), role, since: holds ? (lease.since ?? undefined) : undefined };
  });
}
