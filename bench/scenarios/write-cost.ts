import type pg from 'pg';
import { processSample, TICKS_PER_SECOND } from '../cpu-accounting.ts';
import { FLOOR_SLOTS } from './floor.ts';

/** Backends report their table statistics at most this often: wait it out before reading them. */
const STATS_REPORT_MS = 1_100;

/** What one system cost the write database over a measured window, per 1,000 events. */
export interface WriteCost {
  events: number;
  /** CPU seconds of the write database's backends (clients, walsenders, autovacuum) per 1,000 events. */
  cpuSecondsPer1000: number;
  /** WAL the cluster wrote (write and read side: both databases share it) per 1,000 events. */
  walBytesPer1000: number;
  /** Row updates of the outbox (marking rows published) per 1,000 events. */
  outboxUpdatesPer1000: number;
  /** Dead outbox tuples added (left for vacuum) per 1,000 events. */
  outboxDeadTuplesPer1000: number;
  /**
   * The two outbox counts are summed over the outbox's partitions. Runs recorded without it read
   * the partitioned root alone, which has no rows of its own, so their counts are 0 whatever happened.
   */
  outboxCountedOverPartitions?: true;
}

interface Snapshot {
  ticks: Map<string, number>;
  lsn: string;
  updates: number;
  dead: number;
}

/**
 * Starts measuring: CPU ticks of every Postgres process serving the write database (from
 * /proc, named by pg_stat_activity), the WAL position, and the outbox's update and dead-tuple
 * counters. `stop(events)` divides the differences by the events the window produced.
 */
export async function startWriteCost(write: pg.Pool, database: string): Promise<{ stop(events: number): Promise<WriteCost> }> {
  // Every window starts right after a checkpoint, so each pays the same full-page images for
  // the pages it touches first (a checkpoint inside one window but not another would weigh more
  // than any relay); and after the statistics of what came before have been reported.
  await write.query('CHECKPOINT');
  await new Promise((r) => setTimeout(r, STATS_REPORT_MS));
  const before = await snapshot(write, database, new Set());
  return {
    async stop(events) {
      await new Promise((r) => setTimeout(r, STATS_REPORT_MS));
      const after = await snapshot(write, database, new Set(before.ticks.keys()));
      let ticks = 0;
      for (const [pid, t] of after.ticks) ticks += t - (before.ticks.get(pid) ?? 0);
      const { rows } = await write.query<{ bytes: number }>(`SELECT pg_wal_lsn_diff($1, $2)::float8 AS bytes`, [
        after.lsn,
        before.lsn,
      ]);
      const per1000 = (n: number) => (events > 0 ? (n * 1000) / events : 0);
      return {
        events,
        cpuSecondsPer1000: per1000(ticks / TICKS_PER_SECOND),
        walBytesPer1000: per1000(rows[0]!.bytes),
        outboxUpdatesPer1000: per1000(after.updates - before.updates),
        outboxDeadTuplesPer1000: per1000(Math.max(0, after.dead - before.dead)),
        outboxCountedOverPartitions: true,
      };
    },
  };
}

async function snapshot(write: pg.Pool, database: string, known: Set<string>): Promise<Snapshot> {
  // A floor's walsender reads the same database but is the floor's cost, not the system's.
  const { rows: backends } = await write.query<{ pid: number }>(
    `SELECT pid FROM pg_stat_activity
      WHERE datname = $1
        AND pid NOT IN (SELECT active_pid FROM pg_replication_slots WHERE slot_name = ANY($2::text[]) AND active_pid IS NOT NULL)`,
    [database, Object.values(FLOOR_SLOTS)],
  );
  const ticks = new Map<string, number>();
  for (const pid of new Set([...known, ...backends.map((b) => String(b.pid))])) {
    const sample = processSample(pid);
    if (sample?.comm === 'postgres') ticks.set(pid, sample.ticks);
  }
  // The outbox is partitioned by time: its rows, updates and dead tuples are its partitions'.
  const { rows } = await write.query<{ lsn: string; updates: string; dead: string }>(
    `SELECT pg_current_wal_lsn()::text AS lsn, coalesce(sum(s.n_tup_upd), 0)::text AS updates,
            coalesce(sum(s.n_dead_tup), 0)::text AS dead
       FROM pg_partition_tree('outbox') t JOIN pg_stat_user_tables s ON s.relid = t.relid`,
  );
  const r = rows[0]!;
  return { ticks, lsn: r.lsn, updates: Number(r.updates), dead: Number(r.dead) };
}
