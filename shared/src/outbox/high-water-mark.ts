import { setTimeout as sleep } from 'node:timers/promises';
import type pg from 'pg';

/**
 * The outbox high-water mark: a position M such that every outbox row with position <= M is
 * either committed (visible now) or will never exist. `max(position)` alone is not one: a
 * position is drawn from the identity sequence at INSERT, not at commit, so a transaction can
 * hold a lower position, still open, while a higher one is already committed and visible.
 *
 * How (the wait-for-lockers of CREATE INDEX CONCURRENTLY): read M = max(position) visible now,
 * THEN the transactions holding RowExclusiveLock on the outbox. A transaction that drew a position
 * <= M drew it before M's row committed (the sequence is one counter, CACHE 1), inside an INSERT,
 * which takes that lock when the statement starts and keeps it until the transaction ends. So if
 * it is still open when the lockers are read, it is among them; once none of them runs any more,
 * every position <= M is settled. Later writers only draw positions > M.
 */

/** A pool or a client; the queries here are single statements outside any transaction of ours. */
type Db = pg.Pool | pg.ClientBase;

/** A transaction that held a lock on the outbox when a mark was read. */
export interface OutboxLocker {
  /** Virtual transaction id (`backend/local`): names one transaction, never reused soon. */
  vxid: string;
  /** Its backend's pid; null for a prepared (two-phase) transaction, which has no backend. */
  pid: number | null;
}

/** A mark, safe as soon as none of the transactions that could still add rows below it runs. */
export interface MarkCandidate {
  mark: number;
  lockers: OutboxLocker[];
}

/**
 * The highest outbox position visible now (0 for an empty outbox). Refuses a position sequence
 * with a cache: a backend could then draw a lower position after a higher one is visible, and
 * no lock would show it.
 */
export async function maxVisiblePosition(db: Db): Promise<number> {
  const { rows } = await db.query<{
    mark: string | null;
    cache: string | null;
  }>(/* sql */ `SELECT (SELECT max(position) FROM outbox)::text AS mark,
                      (SELECT seqcache FROM pg_sequence
                        WHERE seqrelid = pg_get_serial_sequence('outbox', 'position')::regclass)::text AS cache`);
  const { mark, cache } = rows[0]!;
  if (cache !== '1') throw new Error(`outbox position sequence has CACHE ${cache}: no high-water mark is safe unless it is 1`);
  return Number(mark ?? 0);
}

/**
 * Transactions of other backends holding RowExclusiveLock on this database's outbox, fast-path
 * locks included (pg_locks lists them). Every statement that inserts takes that mode, even in a
 * transaction that also holds a stronger one; readers (AccessShareLock: a long report, pg_dump)
 * cannot add rows and are not waited for.
 */
export async function outboxWriters(db: Db): Promise<OutboxLocker[]> {
  return writersOf(db, 'outbox');
}

/**
 * The same for any table (a name, or its oid as text): the reconciler tracks the inbox's own
 * numbering with it (projector/src/reconcile/inbox-mark.ts).
 */
export async function writersOf(db: Db, relation: string): Promise<OutboxLocker[]> {
  const { rows } = await db.query<OutboxLocker>(
    /* sql */ `SELECT DISTINCT l.virtualtransaction AS vxid, l.pid
                 FROM pg_locks l
                WHERE l.locktype = 'relation'
                  AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
                  AND l.relation = $1::regclass
                  AND l.mode = 'RowExclusiveLock'
                  AND l.pid IS DISTINCT FROM pg_backend_pid()`,
    [relation],
  );
  return rows;
}

/**
 * Which of these transactions still run: a transaction holds the lock on its own virtual
 * transaction id until it ends. A prepared transaction gives that one up at PREPARE but keeps
 * its other locks, under the same id and no pid, until COMMIT/ROLLBACK PREPARED.
 */
export async function runningTransactions(db: Db, args: { vxids: string[] }): Promise<Set<string>> {
  const { rows } = await db.query<{ vxid: string }>(
    /* sql */ `SELECT l.virtualxid AS vxid FROM pg_locks l
                WHERE l.locktype = 'virtualxid' AND l.virtualxid = ANY($1::text[])
               UNION
               SELECT l.virtualtransaction FROM pg_locks l
                WHERE l.pid IS NULL AND l.virtualtransaction = ANY($1::text[])`,
    [args.vxids],
  );
  return new Set(rows.map((r) => r.vxid));
}

/** M, then the lockers: in that order, never the other way round (see the top of this file). */
export async function readCandidate(db: Db): Promise<MarkCandidate> {
  const mark = await maxVisiblePosition(db);
  const lockers = await outboxWriters(db);
  return { mark, lockers };
}

/** The lockers that still run, given the ids found running after the candidate was read. */
export function stillRunning(lockers: readonly OutboxLocker[], running: ReadonlySet<string>): OutboxLocker[] {
  return lockers.filter((locker) => running.has(locker.vxid));
}

export interface WaitOptions {
  /** Give up (throw) after this long; default 30 s. */
  timeoutMs?: number;
  /** Pause between two looks at pg_locks; default 25 ms. */
  pollMs?: number;
  /** Told once, when the first look finds writers still open (an operator wants to know why it waits). */
  onBlocked?: (lockers: readonly OutboxLocker[]) => void;
}

/**
 * The high-water mark, waiting as long as transactions that may still add rows below it run.
 * Call it outside a transaction: it relies on each statement seeing what is committed by then.
 */
export async function waitForHighWaterMark(db: Db, options: WaitOptions = {}): Promise<number> {
  const candidate = await readCandidate(db);
  const { open, waitedMs } = await waitUntilEnded(candidate.lockers, (vxids) => runningTransactions(db, { vxids }), options);
  if (open.length > 0) throw new Error(blockedMessage(candidate.mark, open, waitedMs));
  return candidate.mark;
}

/**
 * Polls `running` until none of `lockers` runs or the timeout passes; returns those still
 * running (none when they all ended) and how long it waited.
 */
export async function waitUntilEnded(
  lockers: readonly OutboxLocker[],
  running: (vxids: string[]) => Promise<ReadonlySet<string>>,
  options: WaitOptions = {},
): Promise<{ open: OutboxLocker[]; waitedMs: number }> {
  const { timeoutMs = 30_000, pollMs = 25, onBlocked } = options;
  const started = Date.now();
  let open = [...lockers];
  for (let look = 0; open.length > 0; look++) {
    open = stillRunning(open, await running(open.map((l) => l.vxid)));
    const waitedMs = Date.now() - started;
    if (open.length === 0 || waitedMs >= timeoutMs) return { open, waitedMs };
    if (look === 0) onBlocked?.(open);
    await sleep(pollMs);
  }
  return { open, waitedMs: Date.now() - started };
}

/** The backends to look up in pg_stat_activity: `pid 4242, prepared transaction -1/917`. */
export function lockerNames(lockers: readonly OutboxLocker[]): string {
  return lockers.map((l) => (l.pid === null ? `prepared transaction ${l.vxid}` : `pid ${l.pid}`)).join(', ');
}

/** The error an operator sees: which backends to look at (or end) before trying again. */
export function blockedMessage(mark: number, lockers: readonly OutboxLocker[], waitedMs: number): string {
  return (
    `outbox high-water mark ${mark}: write transactions still open on the outbox after ${waitedMs} ms ` +
    `(${lockerNames(lockers)}) may still add events below it; let them finish or end them (pg_terminate_backend), then retry`
  );
}

export interface TrackerState {
  /** The newest mark known safe; null until one is. */
  safe: number | null;
  /** Candidates read but not safe yet, oldest first. */
  pending: MarkCandidate[];
}

/** Candidates kept while a long transaction holds the mark back. */
export const MAX_PENDING_CANDIDATES = 16;

/**
 * One step of the tracker: adds the candidate just read, then, given the lockers found running
 * after it was read, takes the newest candidate whose lockers have all ended as the safe mark
 * and drops it and every older one. Older candidates are kept (not replaced by each new one):
 * with writes that last longer than the interval between steps, the newest candidate always has
 * a locker that is still open, and only an older one ever resolves. When the list is full the
 * newest pending one is replaced, so the oldest still resolves and the mark keeps advancing.
 */
export function trackerStep(state: TrackerState, fresh: MarkCandidate, running: ReadonlySet<string>): TrackerState {
  const kept =
    state.pending.length >= MAX_PENDING_CANDIDATES ? state.pending.slice(0, MAX_PENDING_CANDIDATES - 1) : state.pending;
  const candidates = [...kept, fresh];
  for (let i = candidates.length - 1; i >= 0; i--) {
    const candidate = candidates[i]!;
    if (stillRunning(candidate.lockers, running).length > 0) continue;
    const safe = state.safe === null ? candidate.mark : Math.max(state.safe, candidate.mark);
    return { safe, pending: candidates.slice(i + 1) };
  }
  return { safe: state.safe, pending: candidates };
}

/**
 * The high-water mark for a reconciler on a timer: each `poll()` reads a new candidate and
 * reports the newest mark whose lockers have all ended, never waiting for any. Null until one
 * has (a poll with no writer open settles at once). A poll called while one is running shares
 * its answer, so overlapping timer ticks cannot interleave their steps.
 */
export function highWaterMarkTracker(db: Db) {
  let state: TrackerState = { safe: null, pending: [] };
  let inFlight: Promise<number | null> | undefined;
  const step = async () => {
    const fresh = await readCandidate(db);
    // Looked up after the candidate was read: a locker found ended here ended after that.
    const vxids = [...new Set([...state.pending, fresh].flatMap((c) => c.lockers.map((l) => l.vxid)))];
    const running = vxids.length === 0 ? new Set<string>() : await runningTransactions(db, { vxids });
    state = trackerStep(state, fresh, running);
    return state.safe;
  };
  return {
    poll(): Promise<number | null> {
      inFlight ??= step().finally(() => (inFlight = undefined));
      return inFlight;
    },
  };
}
