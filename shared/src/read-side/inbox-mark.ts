import type pg from 'pg';
import { runningTransactions, trackerStep, writersOf, type MarkCandidate, type TrackerState } from '../outbox/index.ts';

/**
 * The inbox's own high-water mark, for checking inbox entries against the outbox log in the
 * order they were applied (`seq`) without passing one for good: a seq S such that every entry of
 * the inbox table with seq <= S is committed or never will be. The argument is the outbox's
 * (@shop/shared/outbox): seq is drawn from the identity sequence (CACHE 1) by the INSERT, which
 * holds RowExclusiveLock on the inbox until its transaction ends; a transaction holding a lower
 * seq still open when the lockers are read (after the max) is among them. With several projector
 * instances, or a batch waiting on a row lock after its inbox insert, seq order is not commit
 * order, so a plain max(seq) could pass an entry that commits later.
 *
 * A rebuild swaps in a new inbox table, numbered from 1 again: the mark names its table (oid),
 * and a tracker that finds another table starts over.
 */
export interface InboxMark {
  /** The inbox table's oid, as text. */
  table: string;
  seq: number;
}

interface InboxCandidate extends MarkCandidate {
  table: string;
}

/** The highest seq visible, then the inbox's writers: in that order (see above). */
async function readCandidate(read: pg.Pool): Promise<InboxCandidate> {
  const { rows } = await read.query<{
    table: string;
    mark: string;
    cache: string | null;
  }>(/* sql */ `SELECT 'read.inbox'::regclass::oid::text AS table,
                      coalesce((SELECT max(seq) FROM read.inbox), 0)::text AS mark,
                      (SELECT seqcache FROM pg_sequence
                        WHERE seqrelid = pg_get_serial_sequence('read.inbox', 'seq')::regclass)::text AS cache`);
  const { table, mark, cache } = rows[0]!;
  if (cache !== '1') throw new Error(`inbox seq sequence has CACHE ${cache}: no inbox mark is safe unless it is 1`);
  // The lockers of that table, by oid: if a rebuild swapped another in meanwhile, these are still the right ones.
  return { table, mark: Number(mark), lockers: await writersOf(read, table) };
}

/**
 * Each `poll()` reads a candidate and reports the newest mark whose writers have all ended, never
 * waiting for any (null until one has). Overlapping polls share one step.
 */
export function inboxMarkTracker(read: pg.Pool) {
  let table: string | undefined;
  let state: TrackerState = { safe: null, pending: [] };
  let inFlight: Promise<InboxMark | null> | undefined;
  const step = async (): Promise<InboxMark | null> => {
    const fresh = await readCandidate(read);
    if (fresh.table !== table) {
      table = fresh.table;
      state = { safe: null, pending: [] };
    }
    const vxids = [...new Set([...state.pending, fresh].flatMap((c) => c.lockers.map((l) => l.vxid)))];
    const running = vxids.length === 0 ? new Set<string>() : await runningTransactions(read, { vxids });
    state = trackerStep(state, fresh, running);
    return state.safe === null ? null : { table, seq: state.safe };
  };
  return {
    poll(): Promise<InboxMark | null> {
      inFlight ??= step().finally(() => (inFlight = undefined));
      return inFlight;
    },
  };
}
