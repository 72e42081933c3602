import { setTimeout as sleep } from 'node:timers/promises';
import type { ConsumeMessage } from 'amqplib';
import type pg from 'pg';
import { TransientFailure, type Verdict } from '@shop/shared/consumer';
import { decodeEvent, type EventReader } from '@shop/shared/events';
import type { Logger } from '@shop/shared/log';
import { shardOfRoutingKey } from '@shop/shared/messaging';
import type { Webhook } from '../config.ts';
import { attemptDelivery, type DeliveryOutcome } from '../delivery/attempts.ts';
import { notificationBody, type NotifiedEvent } from '../delivery/notification.ts';
import { isPaused, type ReceiverHealth } from '../delivery/receiver-health.ts';
import type { BackoffSettings } from '../delivery/retry-policy.ts';
import { postNotification } from '../delivery/webhook.ts';
import { recordSettled, recordSkipped, settledStates, type InboxEntry } from '../inbox/inbox.ts';
import type { NotifierMetrics } from '../http/metrics.ts';
import { eventIdOf, planBatch, type Plan } from './plan.ts';

export interface HandlerDeps {
  pool: pg.Pool;
  /** How events are read: the notification carries the payload upcast to its type's current version. */
  reader: EventReader;
  /** Undefined: no NOTIFIER_WEBHOOK_URL, the notifications are only recorded. */
  webhook: Webhook | undefined;
  maxAttempts: number;
  backoff: BackoffSettings;
  timeoutMs: number;
  /** Shared by every shard of the instance. */
  receiver: { get(): ReceiverHealth; set(state: ReceiverHealth): void };
  /** Aborted at shutdown: a delivery being retried gives up, and its event goes back to the queue. */
  signal: AbortSignal;
  metrics: NotifierMetrics;
  log: Logger;
}

/**
 * One shard's batch, in delivery order (= the shard's order, so an order's events are POSTed in
 * the order they were written): each is looked up in the inbox, then skipped, POSTed with retries
 * or parked, and recorded before the next one starts. The verdicts are settled by the shared
 * consumer only after this returns, so an ack always follows its event's row. A database error is
 * a TransientFailure: the consumer retries the batch, and what was recorded is then a duplicate.
 */
export function createBatchHandler(deps: HandlerDeps): (batch: ConsumeMessage[]) => Promise<Verdict[]> {
  return async (batch) => {
    const decoded = batch.map((msg) => decodeEvent(msg.properties.headers ?? {}, msg.content, deps.reader));
    const ids = decoded.map(eventIdOf).filter((id): id is string => id !== undefined);
    const settled = await database(() => settledStates(deps.pool, ids));
    const plans = planBatch(decoded, settled);
    const verdicts: Verdict[] = [];
    const skipped: InboxEntry[] = [];
    for (const [i, msg] of batch.entries()) {
      const shard = shardOfRoutingKey(msg.fields.routingKey) ?? -1;
      verdicts.push(await handleOne(deps, msg, plans[i]!, shard, skipped));
    }
    await database(() => recordSkipped(deps.pool, skipped));
    deps.metrics.skipped(skipped.length);
    return verdicts;
  };
}

async function handleOne(
  deps: HandlerDeps,
  msg: ConsumeMessage,
  plan: Plan,
  shard: number,
  skipped: InboxEntry[],
): Promise<Verdict> {
  switch (plan.action) {
    case 'dead-letter':
      deps.metrics.deadLettered();
      return { msg, action: 'dead-letter', reason: plan.reason };
    case 'duplicate':
      deps.metrics.duplicateSkipped();
      return { msg, action: 'ack' };
    case 'skip':
      skipped.push({ ...entry(plan.id, plan.type, plan.position, shard, plan.occurredAt), state: 'skipped' });
      return { msg, action: 'ack' };
    case 'park':
      await database(() =>
        recordSettled(deps.pool, { ...entry(plan.id, plan.type, null, shard, null), state: 'parked', lastError: plan.reason }),
      );
      deps.metrics.parked(plan.type);
      deps.log.warn({ eventId: plan.id, type: plan.type, reason: plan.reason }, 'notification parked: unreadable version');
      return { msg, action: 'ack' };
    case 'notify':
      await notify(deps, plan.event, shard);
      return { msg, action: 'ack' };
  }
}

async function notify(deps: HandlerDeps, event: NotifiedEvent, shard: number): Promise<void> {
  const body = notificationBody(event);
  const base = {
    ...entry(event.id, event.type, event.position, shard, event.occurredAt),
    orderId: event.payload.orderId,
    body,
  };
  if (!deps.webhook) {
    await database(() => recordSettled(deps.pool, { ...base, state: 'recorded' }));
    deps.metrics.recorded(event.type);
  } else {
    const outcome = await deliver(deps, deps.webhook, event, body);
    const state = outcome.kind === 'delivered' ? 'delivered' : 'parked';
    const lastError = outcome.kind === 'delivered' ? outcome.lastError : outcome.reason;
    await database(() => recordSettled(deps.pool, { ...base, state, attempts: outcome.attempts, lastError }));
    if (outcome.kind === 'delivered') deps.metrics.delivered(event.type);
    else {
      deps.metrics.parked(event.type);
      deps.log.warn({ eventId: event.id, type: event.type, shard, reason: outcome.reason }, 'notification parked');
    }
  }
  if (event.position !== null) deps.metrics.lastPosition(shard, event.position);
}

async function deliver(deps: HandlerDeps, webhook: Webhook, event: NotifiedEvent, body: string): Promise<DeliveryOutcome> {
  deps.metrics.inFlight(1);
  try {
    return await attemptDelivery({
      send: () => postNotification(webhook, event.id, body, deps.timeoutMs),
      maxAttempts: deps.maxAttempts,
      backoff: deps.backoff,
      receiver: {
        get: deps.receiver.get,
        set: (state) => {
          const was = isPaused(deps.receiver.get());
          deps.receiver.set(state);
          if (was !== isPaused(state)) {
            deps.metrics.receiverPaused(isPaused(state));
            deps.log.warn(
              { paused: isPaused(state), parkedInARow: state.parkedInARow },
              isPaused(state) ? 'receiver looks down: pausing, nothing more is parked' : 'receiver answers again: pause over',
            );
          }
        },
      },
      sleep: (ms, signal) => sleep(ms, undefined, { signal }),
      random: Math.random,
      signal: deps.signal,
      onFailedAttempt: (reason, attempt, nextInMs) => {
        deps.metrics.failedAttempt(reason);
        deps.log.info({ eventId: event.id, attempt, reason, nextInMs }, 'notification attempt failed');
      },
    });
  } finally {
    deps.metrics.inFlight(-1);
  }
}

const entry = (eventId: string, eventType: string, position: number | null, shard: number, occurredAt: Date | null) => ({
  eventId,
  eventType,
  position,
  shard,
  occurredAt,
  orderId: null,
  attempts: 0,
  lastError: null,
  body: null,
});

/** A database call; its failure is transient for the consumer (the batch is retried). */
async function database<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    throw new TransientFailure(err);
  }
}
