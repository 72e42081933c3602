import { Counter, Gauge, type Registry } from 'prom-client';
import { createHttpMetrics, type HttpMetrics } from '@shop/shared/metrics';

/** What the notifier counts (GET /metrics), beside the HTTP metrics every service has. */
export interface NotifierMetrics {
  http: HttpMetrics;
  delivered(type: string): void;
  recorded(type: string): void;
  failedAttempt(reason: string): void;
  parked(type: string): void;
  skipped(count: number): void;
  duplicateSkipped(): void;
  inFlight(delta: 1 | -1): void;
  lastPosition(shard: number, position: number): void;
  receiverPaused(paused: boolean): void;
  deadLettered(): void;
}

/** A failed attempt's reason as a label of a few values: `HTTP 503`, `network`, `timeout`. */
const reasonLabel = (reason: string) =>
  reason.startsWith('HTTP ')
    ? reason.slice(0, 8)
    : reason.startsWith('network')
      ? 'network'
      : reason.startsWith('no answer')
        ? 'timeout'
        : 'other';

export function createNotifierMetrics(): NotifierMetrics {
  const http = createHttpMetrics('notifier');
  const m = instruments([http.registry]);
  return {
    http,
    delivered: (type) => m.delivered.inc({ type }),
    recorded: (type) => m.recorded.inc({ type }),
    failedAttempt: (reason) => m.failed.inc({ reason: reasonLabel(reason) }),
    parked: (type) => m.parked.inc({ type }),
    skipped: (count) => m.skipped.inc(count),
    duplicateSkipped: () => m.duplicates.inc(),
    inFlight: (delta) => m.inFlight.inc(delta),
    lastPosition: (shard, at) => m.position.set({ shard: String(shard) }, at),
    receiverPaused: (on) => m.paused.set(on ? 1 : 0),
    deadLettered: () => m.deadLettered.inc(),
  };
}

function instruments(registers: Registry[]) {
  const counter = (name: string, help: string, labelNames: string[] = []) => new Counter({ name, help, labelNames, registers });
  const gauge = (name: string, help: string, labelNames: string[] = []) => new Gauge({ name, help, labelNames, registers });
  return {
    delivered: counter('notifier_delivered_total', 'Notifications answered 2xx and recorded', ['type']),
    recorded: counter('notifier_recorded_total', 'Notifications recorded in the table only (no webhook configured)', ['type']),
    failed: counter(
      'notifier_failed_attempts_total',
      'POSTs that did not answer 2xx, by reason (HTTP status, network, timeout)',
      ['reason'],
    ),
    parked: counter('notifier_parked_total', 'Events parked (refused, or attempts spent)', ['type']),
    skipped: counter('notifier_skipped_total', 'Events of types not notified, recorded as skipped'),
    duplicates: counter(
      'notifier_duplicates_skipped_total',
      'Redelivered events the inbox had settled already: acked without a POST',
    ),
    deadLettered: counter('notifier_dead_lettered_total', 'Messages that are not events, sent to the notifier DLQ'),
    inFlight: gauge('notifier_in_flight', 'Notifications being attempted now'),
    position: gauge('notifier_shard_last_position', 'Per shard, the outbox position of the last event settled', ['shard']),
    paused: gauge('notifier_receiver_paused', '1 while the receiver is taken to be down (shards retry, nothing is parked)'),
  };
}
