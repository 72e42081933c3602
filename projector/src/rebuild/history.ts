import type pg from 'pg';

export interface HistoryCoverage {
  /** Lower bound of the oldest partition still readable (archive or live); null: no partitions. */
  since: Date | null;
  /** Archived partitions still in outbox_archive, and their events. */
  archivedPartitions: number;
  archivedEvents: number;
  /** Archived partitions that were dropped since: their events are no longer in the log. */
  dropped: { name: string; from: Date; to: Date; events: number }[];
}

/**
 * What history a rebuild can replay: the live outbox and the archived partitions still there
 * (outbox_archive.partitions records each one archived, so one dropped since is named).
 */
export async function historyCoverage(write: pg.Pool): Promise<HistoryCoverage> {
  const { rows } = await write.query<{
    name: string;
    from_at: Date;
    to_at: Date;
    events: string;
    present: boolean;
  }>(/* sql */ `SELECT name, from_at, to_at, events::text,
                      to_regclass(format('outbox_archive.%I', name)) IS NOT NULL AS present
                 FROM outbox_archive.partitions ORDER BY from_at`);
  const present = rows.filter((r) => r.present);
  const { rows: live } = await write.query<{ since: Date | null }>(
    /* sql */ `SELECT min(from_at) AS since FROM outbox_live_partitions()`,
  );
  return {
    since: present[0]?.from_at ?? live[0]!.since,
    archivedPartitions: present.length,
    archivedEvents: present.reduce((sum, r) => sum + Number(r.events), 0),
    dropped: rows
      .filter((r) => !r.present)
      .map((r) => ({ name: r.name, from: r.from_at, to: r.to_at, events: Number(r.events) })),
  };
}

/** A rebuild that would leave out events whose archived partitions were dropped. */
export class PartialHistoryError extends Error {
  constructor(readonly coverage: HistoryCoverage) {
    const events = coverage.dropped.reduce((sum, d) => sum + d.events, 0);
    super(
      `the event log is incomplete: ${coverage.dropped.length} archived outbox partition(s) with ${events} event(s) ` +
        `were dropped (${coverage.dropped.map((d) => d.name).join(', ')}); a rebuild would leave them out of every ` +
        `read model. Restore them into outbox_archive (docs/retention.md), or rebuild from what is left with --allow-partial-history`,
    );
    this.name = 'PartialHistoryError';
  }
}
