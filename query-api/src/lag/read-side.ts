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

/**
 * Where the reconciler stands: every outbox event at or below `checkedThrough` is handled or
 * listed as missing; `missing` counts those not handled yet, `oldestMissing` the oldest of them.
 * Before the projector has created its audit tables, nothing is checked yet.
 */
export async function auditPosition(
  read: pg.Pool,
): Promise<{ checkedThrough: number; missing: number; oldestMissing: Date | null }> {
  try {
    const { rows } = await read.query<{
      checked: string;
      missing: number;
      oldest: Date | null;
    }>(/* sql */ `SELECT (SELECT checked_through::text FROM audit.reconciler) AS checked,
                        count(*)::int AS missing, min(m.occurred_at) AS oldest
                   FROM audit.missing_events m
                  WHERE NOT EXISTS (SELECT 1 FROM processed_events p WHERE p.event_id = m.event_id)
                    AND NOT EXISTS (SELECT 1 FROM dead_letters d WHERE d.event_id = m.event_id)`);
    const row = rows[0]!;
    return { checkedThrough: Number(row.checked ?? 0), missing: row.missing, oldestMissing: row.oldest };
  } catch (err) {
    if ((err as { code?: string }).code === '3F000' || (err as { code?: string }).code === '42P01') {
      return { checkedThrough: 0, missing: 0, oldestMissing: null };
    }
    throw err;
  }
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
