/** One reading of the pipeline, as the console charts it. */
export interface Reading {
  /** Milliseconds since the epoch. */
  at: number;
  lagSeconds: number | null;
  eventsBehind: number | null;
  /** The projector's running count of applied events. */
  processed: number | null;
  slotLagBytes: number | null;
}

/** The charts' data: one entry per reading, throughput derived from consecutive counts. */
export interface Series {
  at: number[];
  lagSeconds: (number | null)[];
  eventsBehind: (number | null)[];
  /** Events applied per second since the reading before (null for the first, or across a gap). */
  appliedPerSecond: (number | null)[];
  slotLagBytes: (number | null)[];
}

/**
 * The last `windowMs` of readings, kept in memory by the query API (the console's charts start
 * empty after a restart; Prometheus keeps the long history). Pure, for unit tests.
 */
export class History {
  private readings: Reading[] = [];

  constructor(private readonly windowMs: number) {}

  add(reading: Reading): void {
    const last = this.readings.at(-1);
    if (last && reading.at <= last.at) return; // a reading out of order says nothing new
    this.readings.push(reading);
    const oldest = reading.at - this.windowMs;
    while (this.readings.length > 0 && this.readings[0]!.at < oldest) this.readings.shift();
  }

  series(): Series {
    const r = this.readings;
    return {
      at: r.map((x) => x.at),
      lagSeconds: r.map((x) => x.lagSeconds),
      eventsBehind: r.map((x) => x.eventsBehind),
      appliedPerSecond: r.map((x, i) => rate(r[i - 1], x)),
      slotLagBytes: r.map((x) => x.slotLagBytes),
    };
  }
}

function rate(before: Reading | undefined, now: Reading): number | null {
  if (!before || before.processed === null || now.processed === null) return null;
  const applied = now.processed - before.processed;
  // The count restarts with a rebuild (or a new read database): not a negative rate.
  if (applied < 0) return null;
  return applied / ((now.at - before.at) / 1000);
}
