import type pg from 'pg';
import {
  handledAmong,
  notifierPosition,
  projectionPosition,
  reconcilerPosition,
  settledAmong,
  unknownEvents,
  type NotifierPosition,
} from '@shop/shared/read-side';
import type { SyncStatus } from './schemas.ts';
import { debeziumLease, debeziumOffset, logAfter, logTail, outboxAfter, outboxTail, slotPosition } from './write-side.ts';

export interface PipelineDatabases {
  write: pg.Pool;
  read: pg.Pool;
  slot: string;
  offsetTable: string;
}

/**
 * Where the pipeline stands (docs/contract.md, sync-status). A part that cannot be read is named in
 * `unreachable` and its fields are null; the rest is still reported.
 */
export async function syncStatus(dbs: PipelineDatabases, now = new Date()): Promise<SyncStatus> {
  const [debezium, projection, audit, unknown, notifier] = await Promise.all([
    readDebezium(dbs).catch(() => undefined),
    projectionPosition(dbs.read).catch(() => undefined),
    reconcilerPosition(dbs.read).catch(() => undefined),
    unknownEvents(dbs.read).catch(() => undefined),
    notifierPosition(dbs.read).catch(() => undefined),
  ]);
  const [behind, notifierBehind] = await Promise.all([
    debezium && projection && audit
      ? eventsBehind(dbs.write, LIVE_OUTBOX, audit, (ids) => handledAmong(dbs.read, ids), now).catch(() => undefined)
      : undefined,
    debezium && notifier
      ? eventsBehind(dbs.write, WHOLE_LOG, notifierAudit(notifier), (ids) => settledAmong(dbs.read, ids), now).catch(
          () => undefined,
        )
      : undefined,
  ]);
  const unreachable: SyncStatus['unreachable'] = [];
  if (!debezium) unreachable.push('writeDatabase');
  if (!projection || !audit || unknown === undefined) unreachable.push('readDatabase');
  if (!notifier) unreachable.push('notifier');
  return {
    lastProcessedEventTimestamp: projection?.lastEventAt?.toISOString() ?? null,
    lagSeconds: behind?.lagSeconds ?? null,
    eventsBehind: behind?.count ?? null,
    missing: audit?.missing ?? null,
    unknown: unknown ?? null,
    debezium: {
      slot: dbs.slot,
      active: debezium?.active ?? null,
      confirmedFlushLsn: debezium?.confirmedFlushLsn ?? null,
      currentWalLsn: debezium?.currentWalLsn ?? null,
      lagBytes: debezium?.lagBytes ?? null,
      offsetLsn: debezium?.offsetLsn ?? null,
      offsetTime: debezium?.offsetTime ?? null,
      activeInstance: debezium?.activeInstance ?? null,
      activeSince: debezium?.activeSince ?? null,
      standbyInstances: debezium?.standbyInstances ?? [],
    },
    projector: projection
      ? { lastEventId: projection.lastEventId, processed: projection.applied, deadLettered: projection.parked }
      : { lastEventId: null, processed: null, deadLettered: null },
    notifier: {
      eventsBehind: notifierBehind?.count ?? null,
      lagSeconds: notifierBehind?.lagSeconds ?? null,
      missing: notifier?.missing ?? null,
      delivered: notifier?.delivered ?? null,
      parked: notifier?.parked ?? null,
      recorded: notifier?.recorded ?? null,
      lastEventAt: notifier?.lastEventAt?.toISOString() ?? null,
    },
    unreachable,
  };
}

async function readDebezium(dbs: PipelineDatabases) {
  const [slot, offset, lease] = await Promise.all([
    slotPosition(dbs.write, dbs.slot),
    debeziumOffset(dbs.write, dbs.offsetTable),
    debeziumLease(dbs.write, dbs.slot),
  ]);
  return { ...slot, ...offset, ...lease };
}

/**
 * Events past the reconciler's position are compared by id, this many at most; the rest of a
 * larger backlog (the projector away for long) is counted from the outbox's position index.
 */
const COMPARED_AT_MOST = 20_000;

/** How far an audit has accounted for the log, and what it found missing. */
interface AuditPosition {
  checkedThrough: number;
  missing: number;
  oldestMissing: Date | null;
}

/** Where a consumer's backlog is looked for in the log. */
interface LogReader {
  after: typeof outboxAfter;
  tail: typeof outboxTail;
}
/** The projector's: the retention archives only what its reconciler has passed. */
const LIVE_OUTBOX: LogReader = { after: outboxAfter, tail: outboxTail };
/** The notifier's: the retention does not wait for it, its backlog may be archived already. */
const WHOLE_LOG: LogReader = { after: logAfter, tail: logTail };

/** The notifier's audit: nothing at or below its baseline is expected of it. */
const notifierAudit = (n: NotifierPosition): AuditPosition => ({
  checkedThrough: Math.max(n.checkedThrough, n.baseline),
  missing: n.missing,
  oldestMissing: n.oldestMissing,
});

/**
 * Committed outbox events not yet handled by a consumer (the projector, the notifier), and the
 * age of the oldest of them (0 when there is none, so it cannot grow while the system is idle).
 * The consumer's audit has accounted for every event up to its position (handled, or listed as
 * missing); past it, events are compared by id with what the consumer handled. Nothing here reads
 * a whole table: the cost follows the events in flight, not the size of the outbox or the inbox.
 */
async function eventsBehind(
  write: pg.Pool,
  log: LogReader,
  audit: AuditPosition,
  handledAmong: (ids: string[]) => Promise<ReadonlySet<string>>,
  now: Date,
) {
  const recent = await log.after(write, audit.checkedThrough, COMPARED_AT_MOST);
  const handled = await handledAmong(recent.map((r) => r.id));
  const pending = recent.filter((r) => !handled.has(r.id));
  const beyond =
    recent.length === COMPARED_AT_MOST ? await log.tail(write, Number(recent.at(-1)!.position)) : { n: 0, oldest: null };
  const oldest = [audit.oldestMissing, beyond.oldest, ...pending.map((p) => p.occurred_at)]
    .filter((d): d is Date => d !== null)
    .reduce<Date | null>((min, d) => (min === null || d < min ? d : min), null);
  const lagSeconds = oldest ? Math.max(0, (now.getTime() - oldest.getTime()) / 1000) : 0;
  return { count: pending.length + beyond.n + audit.missing, lagSeconds: Math.round(lagSeconds * 1000) / 1000 };
}
