import type pg from 'pg';
import { parseLsn } from '../db/lsn.ts';

/** A high-water mark and the WAL position read right after it: every row up to the mark was committed before it. */
export interface MarkSample {
  mark: number;
  lsn: bigint;
}

export interface PublishedState {
  published: number | null;
  samples: MarkSample[];
}

/** Samples kept while Debezium is behind (one per audit); the oldest go first. */
const MAX_SAMPLES = 120;

/**
 * One step: adds the fresh sample, then takes the newest sample whose WAL position Debezium has
 * confirmed to the slot as the published mark. Debezium confirms a position only once the broker
 * has confirmed every message before it, so every outbox row up to that mark is in RabbitMQ (or
 * was, and went on to the projector). Until then an unhandled event may simply not be published
 * yet: Debezium paused, restarting or behind is not a loss.
 */
export function publishedStep(state: PublishedState, fresh: MarkSample | null, confirmed: bigint | null): PublishedState {
  const samples = fresh ? [...state.samples, fresh].slice(-MAX_SAMPLES) : state.samples;
  if (confirmed === null) return { published: state.published, samples };
  let newest = -1;
  for (let i = 0; i < samples.length; i++) if (samples[i]!.lsn <= confirmed) newest = i;
  if (newest < 0) return { published: state.published, samples };
  const mark = samples[newest]!.mark;
  return { published: Math.max(state.published ?? mark, mark), samples: samples.slice(newest + 1) };
}

export async function currentWalLsn(write: pg.Pool): Promise<bigint> {
  const { rows } = await write.query<{ lsn: string }>(/* sql */ `SELECT pg_current_wal_lsn()::text AS lsn`);
  return parseLsn(rows[0]!.lsn);
}

/** What Debezium has confirmed to its slot; null while the slot does not exist. */
export async function confirmedLsn(write: pg.Pool, slot: string): Promise<bigint | null> {
  const { rows } = await write.query<{ lsn: string | null }>(
    /* sql */ `SELECT confirmed_flush_lsn::text AS lsn FROM pg_replication_slots WHERE slot_name = $1::text`,
    [slot],
  );
  return rows[0]?.lsn ? parseLsn(rows[0].lsn) : null;
}

/**
 * An audit's mark (the projector's reconciler, the notifier's audit): the newest gap-safe high-water mark that Debezium has also published
 * past. Each call samples the safe mark and the WAL position, then looks at the slot.
 */
export function publishedMarkTracker(write: pg.Pool, slot: string, safeMark: () => Promise<number | null>) {
  let state: PublishedState = { published: null, samples: [] };
  return async (): Promise<number | null> => {
    const mark = await safeMark();
    const fresh = mark === null ? null : { mark, lsn: await currentWalLsn(write) };
    state = publishedStep(state, fresh, await confirmedLsn(write, slot));
    return state.published;
  };
}
