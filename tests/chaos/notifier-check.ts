import { setTimeout as sleep } from 'node:timers/promises';
import type pg from 'pg';
import type { StackConfig } from '../../infra/src/stack-config.ts';
import { random } from '../support/random.ts';
import { startWebhookReceiver, type WebhookReceiver } from '../support/webhook-receiver.ts';
import type { FaultRecord } from './schedule.ts';
import type { Check } from './invariants.ts';

/** The fraction of POSTs the chaos receiver fails (503), seeded: the notifier's retries must carry them. */
const FAILING = 0.2;
/** The chaos receiver's shared secret: a test value, never a stack's. */
export const CHAOS_WEBHOOK_SECRET = 'chaos-webhook-secret-0123456789';

/**
 * The webhook receiver of a chaos run (tests/support/webhook-receiver.ts: it checks each
 * signature): a seeded fifth of the requests answered 503, the rest 200.
 */
export async function startChaosReceiver(seed: number): Promise<WebhookReceiver> {
  const rnd = random(seed ^ 0x5eed);
  return startWebhookReceiver(CHAOS_WEBHOOK_SECRET, () => ({ status: rnd.next() < FAILING ? 503 : 200 }));
}

/** The notifier's settings for a chaos stack with this receiver: short retry pauses, so a run's failures are worked through. */
export const chaosNotifierSettings = (receiver: WebhookReceiver) => ({
  NOTIFIER_WEBHOOK_URL: receiver.url,
  NOTIFIER_WEBHOOK_SECRET: CHAOS_WEBHOOK_SECRET,
  NOTIFIER_RETRY_BASE_MS: '50',
  NOTIFIER_RETRY_MAX_MS: '1000',
});

export interface NotifierFigures {
  /** OrderPlaced and OrderCancelled events the run wrote (the notifier's to deliver). */
  notified: number;
  /** Requests the receiver got, and those it answered 2xx. */
  requests: number;
  answered2xx: number;
  /** 2xx answers beyond the first for one Idempotency-Key, and the bound the notifier's design sets on them. */
  duplicates: number;
  duplicateBound: number;
  /** sync-status `notifier.missing` after the drain. */
  missing: number | null;
  /** Seconds until the notifier had settled every event (null: not within the drain). */
  drainedSeconds: number | null;
}

interface NotifierStatus {
  eventsBehind: number | null;
  missing: number | null;
}

async function notifierStatus(stack: StackConfig): Promise<NotifierStatus | undefined> {
  try {
    const res = await fetch(`http://127.0.0.1:${stack.QUERY_API_PORT}/api/analytics/sync-status`, {
      signal: AbortSignal.timeout(5_000),
    });
    return ((await res.json()) as { notifier: NotifierStatus }).notifier;
  } catch {
    return undefined;
  }
}

/** sync-status `notifier.missing` before the run (a stack shared with other tests may have some): the run must add none. */
export async function notifierMissingBefore(stack: StackConfig): Promise<number> {
  return (await notifierStatus(stack))?.missing ?? 0;
}

/**
 * After the projector drained: until the notifier has settled every event since its baseline but
 * those its audit lists as missing (sync-status `notifier.eventsBehind` counts both), and it lists
 * no more than before the run, or `timeoutMs`. `missing` is what the run added.
 */
export async function drainNotifier(
  stack: StackConfig,
  timeoutMs: number,
  missingBefore: number,
): Promise<{ seconds: number | null; missing: number | null }> {
  const started = Date.now();
  let last: NotifierStatus | undefined;
  while (Date.now() - started < timeoutMs) {
    last = await notifierStatus(stack);
    if (
      last &&
      last.eventsBehind !== null &&
      last.missing !== null &&
      last.eventsBehind === last.missing &&
      last.missing <= missingBefore
    )
      return { seconds: Math.round((Date.now() - started) / 100) / 10, missing: 0 };
    await sleep(500);
  }
  return { seconds: null, missing: last?.missing == null ? null : Math.max(0, last.missing - missingBefore) };
}

/**
 * The duplicates the notifier may send (a 2xx POST of an event that was answered 2xx before): a
 * shard POSTs one event at a time and records its inbox row before the next, and never POSTs an
 * event whose row exists. So a repeat needs the row to be lost between a 2xx and its write: the
 * notifier killed (kill-notifier, and the database or broker restarts that end its batch), at most
 * one event per shard each time, since each shard has at most one POST between answer and row.
 * Every fault that interrupts it counts, however it does.
 */
export function duplicateBound(faults: readonly FaultRecord[], shards: number): number {
  const interrupting = faults.filter((f) => ['kill-notifier', 'restart-database', 'restart-broker'].includes(f.kind)).length;
  return interrupting * shards;
}

/**
 * The notifier's invariants: every OrderPlaced and OrderCancelled written since `fromPosition`
 * was received with a valid signature and answered 2xx at least once (webhook mode; in table mode,
 * recorded in its inbox), nothing is listed missing, and the duplicates stay within the bound.
 */
export async function checkNotifier(args: {
  write: pg.Pool;
  read: pg.Pool;
  receiver: WebhookReceiver | undefined;
  fromPosition: number;
  faults: readonly FaultRecord[];
  shards: number;
  drained: { seconds: number | null; missing: number | null };
}): Promise<{ checks: Check[]; figures: NotifierFigures }> {
  const { rows } = await args.write.query<{ id: string }>(
    /* sql */ `SELECT id::text FROM outbox_history WHERE position > $1::bigint AND type IN ('OrderPlaced', 'OrderCancelled')`,
    [args.fromPosition],
  );
  const expected = rows.map((r) => r.id);
  const requests = args.receiver?.requests ?? [];
  const ok2xx = requests.filter((r) => r.status >= 200 && r.status < 300 && r.signatureValid);
  const answered = new Map<string, number>();
  for (const r of ok2xx) if (r.idempotencyKey) answered.set(r.idempotencyKey, (answered.get(r.idempotencyKey) ?? 0) + 1);
  const duplicates = [...answered.values()].reduce((sum, n) => sum + n - 1, 0);
  const bound = duplicateBound(args.faults, args.shards);
  const badSignatures = requests.filter((r) => !r.signatureValid).length;
  const keyMismatch = requests.filter((r) => r.idempotencyKey !== r.eventId).length;
  const notDelivered = args.receiver ? expected.filter((id) => !answered.has(id)) : await notRecorded(args.read, expected);
  const figures: NotifierFigures = {
    notified: expected.length,
    requests: requests.length,
    answered2xx: ok2xx.length,
    duplicates,
    duplicateBound: bound,
    missing: args.drained.missing,
    drainedSeconds: args.drained.seconds,
  };
  const checks: Check[] = [
    {
      invariant: args.receiver ? 'notifier: every order notified (2xx, signed)' : 'notifier: every order notified (recorded)',
      ok: notDelivered.length === 0 && badSignatures === 0 && keyMismatch === 0,
      detail: args.receiver
        ? `${expected.length} OrderPlaced/OrderCancelled: ${expected.length - notDelivered.length} answered 2xx to a validly signed POST; ${requests.length} requests (${requests.length - ok2xx.length} failed by the receiver), ${badSignatures} badly signed, ${keyMismatch} with an Idempotency-Key other than the event id`
        : `${expected.length} OrderPlaced/OrderCancelled: ${expected.length - notDelivered.length} recorded in the notifier's inbox (table mode)`,
    },
    {
      invariant: 'notifier: nothing missing',
      ok: args.drained.missing === 0 && args.drained.seconds !== null,
      detail: `sync-status notifier.missing ${args.drained.missing ?? 'unreadable'} more than before the run; caught up ${args.drained.seconds === null ? 'NOT within the drain' : `${args.drained.seconds} s after the projector`}`,
    },
    {
      invariant: 'notifier: duplicates within the bound',
      ok: duplicates <= bound,
      detail: `${duplicates} repeated 2xx (same Idempotency-Key); bound ${bound} = (kill-notifier + restart-database + restart-broker faults) x ${args.shards} shards`,
    },
  ];
  return { checks, figures };
}

async function notRecorded(read: pg.Pool, ids: string[]): Promise<string[]> {
  const { rows } = await read.query<{ id: string }>(
    /* sql */ `SELECT event_id::text AS id FROM notifier.inbox WHERE event_id = ANY($1::uuid[]) AND state IN ('delivered', 'recorded')`,
    [ids],
  );
  const settled = new Set(rows.map((r) => r.id));
  return ids.filter((id) => !settled.has(id));
}
