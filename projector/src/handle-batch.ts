import type { ConsumeMessage } from 'amqplib';
import type pg from 'pg';
import { decodeEvent, type EventReader, type KnownEvent } from '@shop/shared/events';
import type { Logger } from '@shop/shared/log';
import type { Tracing } from '@shop/shared/telemetry';
import { shardOfRoutingKey } from '@shop/shared/messaging';
import { NO_SHARD, recordProjectionFailure } from '@shop/shared/read-side';
import { applyBatches, type BatchOutcome, type ShardBatch } from './projection/apply-batch.ts';
import { GroupCommit } from './projection/group-commit.ts';
import { isTransient } from './projection/transient.ts';
import type { ProjectorMetrics } from './http/metrics.ts';
import { TransientFailure, type Verdict } from '@shop/shared/consumer';
import { screenBatch, type Screening } from './screening/screen-batch.ts';
import { traceBatch } from './tracing/batch-spans.ts';

export interface BatchHandlerDeps {
  pool: pg.Pool;
  log: Logger;
  metrics: ProjectorMetrics;
  /** Real projection failures after which an event is dead-lettered by us, with its error. */
  maxAttempts: number;
  /** Spans per batch and per event, when tracing records (the projector is the trace's end: otherwise nothing to pass on). */
  tracing: Pick<Tracing, 'tracer' | 'recording'>;
  /** A transaction takes the batches of several shards up to this many events (group commit). */
  maxGroupEvents: number;
  screening: Screening;
  /** The shop's currency, for events that name none and to park those in another (SHOP_CURRENCY). */
  reader: EventReader;
}

/**
 * One batch from one shard queue: decode, screen, then inbox + projections of all of it in one
 * transaction. Messages that cannot be decoded, or carry an event type or schema version this
 * build does not know, or are not to be trusted (screening/), are dead-lettered (parked) with the
 * reason; retrying cannot help them.
 * If the transaction fails for a reason other than the database being away, the events are
 * retried one by one to find the culprit, which is requeued until its attempts run out. Attempts
 * are the event's real failures, counted in the read database: a redelivery after a crash is not one.
 * The batches of all shards share transactions (projection/group-commit.ts).
 */
export function createBatchHandler(deps: BatchHandlerDeps) {
  const { pool, log, metrics, maxAttempts, tracing, maxGroupEvents, screening, reader } = deps;
  const screen = screenBatch(screening);
  const group = new GroupCommit<ShardBatch, BatchOutcome>(
    (batches) => applyBatches(pool, batches, screening.checkCopies),
    maxGroupEvents,
    (batch) => batch.events.length,
  );
  return (messages: ConsumeMessage[]): Promise<Verdict[]> =>
    tracing.recording ? traceBatch(tracing.tracer, messages, () => handleBatch(messages)) : handleBatch(messages);

  async function handleBatch(messages: ConsumeMessage[]): Promise<Verdict[]> {
    // The messages were received before this: a mark read from now on is fresh for all of them.
    const receivedAt = Date.now();
    const { decoded, verdicts } = decodeAll(messages, reader);
    const messageOf = new Map(decoded.map((d) => [d.event, d.msg]));
    const { trusted, doubted } = await screen(
      decoded.map((d) => d.event),
      receivedAt,
    );
    for (const { event, doubt } of doubted) {
      log.warn({ eventId: event.id, type: event.type, reason: doubt.reason }, 'untrusted message');
      verdicts.push({ msg: messageOf.get(event)!, action: 'dead-letter', reason: doubt.reason });
    }
    try {
      const outcome = await applyAndCount(trusted, shardOf(messages));
      verdicts.push(...trusted.map((event) => verdictOf(messageOf.get(event)!, event, outcome)));
    } catch (err) {
      if (isTransient(err)) throw new TransientFailure(err);
      log.warn({ err, size: trusted.length }, 'batch failed; applying its events one by one');
      for (const event of trusted) verdicts.push(await applyAlone({ msg: messageOf.get(event)!, event }));
    }
    return verdicts;
  }

  async function applyAndCount(events: KnownEvent[], shard: number): Promise<BatchOutcome> {
    const outcome = await group.submit({ events, shard });
    metrics.recordBatch(events, outcome);
    return outcome;
  }

  /** Alone, outside the group: finding the culprit of a failed batch must not fail other shards' batches. */
  async function applyOneAndCount(event: KnownEvent, shard: number): Promise<BatchOutcome> {
    const outcome = await applyBatches(pool, [{ events: [event], shard }], screening.checkCopies).then(([one]) => one!);
    metrics.recordBatch([event], outcome);
    return outcome;
  }

  async function applyAlone({ msg, event }: { msg: ConsumeMessage; event: KnownEvent }): Promise<Verdict> {
    try {
      return verdictOf(msg, event, await applyOneAndCount(event, shardOf([msg])));
    } catch (err) {
      if (isTransient(err)) throw new TransientFailure(err);
      const message = err instanceof Error ? err.message : String(err);
      const attempt = await recordProjectionFailure(pool, event.id, message).catch((failure: unknown) => {
        throw isTransient(failure) ? new TransientFailure(failure) : failure;
      });
      const reason = `projection failed (attempt ${attempt} of ${maxAttempts}): ${message}`;
      log.error({ err, eventId: event.id, type: event.type, attempt }, 'event failed to project');
      return attempt >= maxAttempts ? { msg, action: 'dead-letter', reason } : { msg, action: 'requeue' };
    }
  }
}

/** Applied or a duplicate: acked. A forged copy of a dead letter: parked, leaving the real event's note as it is. */
function verdictOf(msg: ConsumeMessage, event: KnownEvent, outcome: BatchOutcome): Verdict {
  const forged = outcome.forged.get(event);
  return forged === undefined ? { msg, action: 'ack' } : { msg, action: 'dead-letter', reason: forged, note: false };
}

/** A batch comes from one shard queue; its routing keys name the shard (its progress is kept per shard). */
function shardOf(messages: ConsumeMessage[]): number {
  return shardOfRoutingKey(messages[0]?.fields.routingKey ?? '') ?? NO_SHARD;
}

/** The messages that decode to events; the others' verdicts: parked with the reason. */
function decodeAll(messages: ConsumeMessage[], reader: EventReader) {
  const verdicts: Verdict[] = [];
  const decoded: { msg: ConsumeMessage; event: KnownEvent }[] = [];
  for (const msg of messages) {
    const result = decodeEvent(msg.properties.headers ?? {}, msg.content, reader);
    if (result.kind === 'event') decoded.push({ msg, event: result.event });
    else verdicts.push({ msg, action: 'dead-letter', reason: `${result.kind}: ${result.reason}` });
  }
  return { decoded, verdicts };
}
