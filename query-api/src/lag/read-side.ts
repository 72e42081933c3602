import type pg from 'pg';

export interface ProjectionPosition {
  processed: number;
  /** Set aside (dead-lettered or parked) and not applied since. */
  parked: number;
  lastEventId: string | null;
  lastEventAt: Date | null;
  /** Highest outbox position handled (applied or parked), 0 if none. */
  highestPosition: number;
}

export async function projectionPosition(read: pg.Pool): Promise<ProjectionPosition> {
  const { rows } = await read.query<{
    processed: number;
    parked: number;
    last_id: string | null;
    last_at: Date | null;
    highest: string | null;
  }>(/* sql */ `SELECT (SELECT count(*)::int FROM processed_events) AS processed,
                      (SELECT count(*)::int FROM dead_letters d
                        WHERE NOT EXISTS (SELECT 1 FROM processed_events p WHERE p.event_id = d.event_id)) AS parked,
                      (SELECT event_id::text FROM processed_events ORDER BY seq DESC LIMIT 1) AS last_id,
                      (SELECT max(occurred_at) FROM processed_events) AS last_at,
                      greatest((SELECT max(position) FROM processed_events), (SELECT max(position) FROM dead_letters))::text AS highest`);
  const row = rows[0]!;
  return {
    processed: row.processed,
    parked: row.parked,
    lastEventId: row.last_id,
    lastEventAt: row.last_at,
    highestPosition: Number(row.highest ?? 0),
  };
}

/** Which of these event ids the projector has handled (applied or parked). */
export async function handledAmong(read: pg.Pool, ids: string[]): Promise<Set<string>> {
  const { rows } = await read.query<{ id: string }>(
    /* sql */ `SELECT event_id::text AS id FROM processed_events WHERE event_id = ANY($1::uuid[])
               UNION SELECT event_id::text FROM dead_letters WHERE event_id = ANY($1::uuid[])`,
    [ids],
  );
  return new Set(rows.map((r) => r.id));
}
