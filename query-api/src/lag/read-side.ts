import type pg from 'pg';

export interface ProjectionPosition {
  processed: number;
  /** Set aside (dead-lettered or parked) and not applied since. */
  parked: number;
  lastEventId: string | null;
  lastEventAt: Date | null;
}

/**
 * The projector's position, without counting the inbox: `processed` is the sum of the inbox
 * counts the projector keeps per shard in its batch transactions. Dead letters are few (kept
 * until handled), so counting those is cheap.
 */
export async function projectionPosition(read: pg.Pool): Promise<ProjectionPosition> {
  const { rows } = await read.query<{
    processed: string | null;
    parked: number;
    last_id: string | null;
    last_at: Date | null;
  }>(/* sql */ `SELECT (SELECT sum(processed) FROM inbox_counts)::text AS processed,
                      (SELECT count(*)::int FROM dead_letters d
                        WHERE NOT EXISTS (SELECT 1 FROM processed_events p WHERE p.event_id = d.event_id)) AS parked,
                      (SELECT event_id::text FROM processed_events ORDER BY seq DESC LIMIT 1) AS last_id,
                      (SELECT max(occurred_at) FROM processed_events) AS last_at`);
  const row = rows[0]!;
  return { processed: Number(row.processed ?? 0), parked: row.parked, lastEventId: row.last_id, lastEventAt: row.last_at };
}
