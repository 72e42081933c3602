import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { KnownEvent } from '@shop/shared/events';
import type { BatchOutcome } from '../projection/apply-batch.ts';
import type { AuditReport } from '../reconcile/reconciler.ts';
import type { RetentionReport } from '../retention/retention-round.ts';

/** What the projector reports at /metrics and /health. */
export interface ProjectorMetrics {
  registry: Registry;
  recordBatch(events: KnownEvent[], outcome: BatchOutcome): void;
  recordDeadLetter(): void;
  /** One settlement event of a shard consumer (see ShardConsumerDeps.report). */
  recordSettlement(event: 'parked' | 'park-failed' | 'returned' | 'fault'): void;
  /** One retention round's outcome. */
  recordRetention(outcome: RetentionReport | 'failed'): void;
  snapshot(): {
    processed: number;
    duplicates: number;
    deadLettered: number;
    lastEventId: string | null;
    lastEventAt: string | null;
  };
}

export interface MetricSources {
  /** The reconciler's newest audit. */
  audit(): AuditReport | undefined;
  deadLetterDepth(): Promise<number | undefined>;
  /** Whether the consumer holds a broker connection now (undefined before it started). */
  brokerConnected(): boolean | undefined;
  /** Seconds each consumed shard has held deliveries without settling any. */
  shardStalledSeconds(): Map<number, number>;
}

export function createProjectorMetrics(sources: MetricSources): ProjectorMetrics {
  const registry = new Registry();
  registry.setDefaultLabels({ service: 'projector' });
  collectDefaultMetrics({ register: registry });
  // Registered in this order, which is the order /metrics lists them in.
  const events = eventMetrics(registry);
  brokerGauges(registry, sources);
  auditGauges(registry, sources.audit);
  const settlements = new Counter({
    name: 'projector_settlement_events_total',
    help: 'Settlement events: parked (dead letter confirmed), park_failed (returned to the queue instead), returned (nack with requeue), fault (channel closed, every unsettled delivery returned)',
    labelNames: ['event'] as const,
    registers: [registry],
  });
  const retention = retentionMetrics(registry);
  return {
    registry,
    recordBatch: events.recordBatch,
    recordDeadLetter: events.recordDeadLetter,
    recordSettlement(event) {
      settlements.inc({ event: event.replace('-', '_') });
    },
    recordRetention: retention.record,
    snapshot: events.snapshot,
  };
}

/** Events handled: counted by outcome, batch sizes, and the newest event applied (also for /health). */
function eventMetrics(registry: Registry): Pick<ProjectorMetrics, 'recordBatch' | 'recordDeadLetter' | 'snapshot'> {
  const events = new Counter({
    name: 'projector_events_total',
    help: 'Events handled, by outcome (applied, duplicate, dead_lettered)',
    labelNames: ['outcome'] as const,
    registers: [registry],
  });
  const batchSize = new Histogram({
    name: 'projector_batch_size',
    help: 'Events per committed batch',
    buckets: [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000],
    registers: [registry],
  });
  const lastEvent = new Gauge({
    name: 'projector_last_event_timestamp_seconds',
    help: 'Occurred-at of the newest event applied',
    registers: [registry],
  });
  const totals = { processed: 0, duplicates: 0, deadLettered: 0 };
  let newest: KnownEvent | undefined;
  return {
    recordBatch(batch, outcome) {
      totals.processed += outcome.applied;
      totals.duplicates += outcome.duplicates;
      events.inc({ outcome: 'applied' }, outcome.applied);
      events.inc({ outcome: 'duplicate' }, outcome.duplicates);
      batchSize.observe(batch.length);
      for (const event of batch) if (!newest || event.occurredAt >= newest.occurredAt) newest = event;
      if (newest) lastEvent.set(newest.occurredAt.getTime() / 1000);
    },
    recordDeadLetter() {
      totals.deadLettered += 1;
      events.inc({ outcome: 'dead_lettered' });
    },
    snapshot: () => ({ ...totals, lastEventId: newest?.id ?? null, lastEventAt: newest?.occurredAt.toISOString() ?? null }),
  };
}

/** What the consumer knows of the broker, read when /metrics is scraped. */
function brokerGauges(registry: Registry, sources: MetricSources): void {
  new Gauge({
    name: 'projector_dead_letter_messages',
    help: 'Messages waiting in the dead-letter queue',
    registers: [registry],
    async collect() {
      const depth = await sources.deadLetterDepth();
      if (depth !== undefined) this.set(depth);
    },
  });
  new Gauge({
    name: 'projector_broker_connected',
    help: '1 while the projector holds a connection to RabbitMQ, 0 while it reconnects',
    registers: [registry],
    collect() {
      const connected = sources.brokerConnected();
      if (connected !== undefined) this.set(Number(connected));
    },
  });
  new Gauge({
    name: 'projector_shard_stalled_seconds',
    help: 'Per shard: how long it has held deliveries without settling any (0 when it holds none or keeps settling)',
    labelNames: ['shard'] as const,
    registers: [registry],
    collect() {
      this.reset();
      for (const [shard, seconds] of sources.shardStalledSeconds()) this.set({ shard: String(shard) }, seconds);
    },
  });
}

/** The reconciler's newest audit, read when /metrics is scraped; nothing before the first audit. */
function auditGauges(registry: Registry, audit: MetricSources['audit']): void {
  const auditGauge = (name: string, help: string, pick: (report: AuditReport) => number | null) =>
    new Gauge({
      name,
      help,
      registers: [registry],
      collect() {
        const report = audit();
        const value = report ? pick(report) : null;
        if (value !== null) this.set(value);
      },
    });
  auditGauge(
    'projector_missing_events',
    'Events committed longer ago than the grace period that are neither projected nor parked (reconciler)',
    (r) => r.missing,
  );
  auditGauge(
    'projector_unknown_events',
    'Applied events that are not in the outbox log: forged, or not published by Debezium (reconciler)',
    (r) => r.unknown,
  );
  auditGauge(
    'projector_reconciler_checked_through',
    'Outbox position up to which every event is accounted for',
    (r) => r.checkedThrough,
  );
  auditGauge(
    'projector_reconciler_high_water_mark',
    'Outbox position below which no transaction is still open',
    (r) => r.highWaterMark,
  );
}

/** Retention rounds: how they went, what they moved, and whether they keep up with the policy. */
function retentionMetrics(registry: Registry) {
  const rounds = new Counter({
    name: 'projector_retention_rounds_total',
    help: 'Retention rounds, by outcome (ok, failed)',
    labelNames: ['outcome'] as const,
    registers: [registry],
  });
  const archived = new Counter({
    name: 'projector_outbox_archived_events_total',
    help: 'Outbox events moved to the archive (whole partitions)',
    registers: [registry],
  });
  const pruned = new Counter({
    name: 'projector_inbox_pruned_rows_total',
    help: 'Inbox rows pruned below the watermark',
    registers: [registry],
  });
  const overdue = new Gauge({
    name: 'projector_retention_overdue_partitions',
    help: 'Outbox partitions older than OUTBOX_RETENTION still live after the last round (0 when retention keeps up)',
    registers: [registry],
  });
  const watermark = new Gauge({
    name: 'projector_inbox_pruned_through',
    help: 'Outbox position at or below which the inbox is pruned',
    registers: [registry],
  });
  return {
    record(outcome: RetentionReport | 'failed') {
      rounds.inc({ outcome: outcome === 'failed' ? 'failed' : 'ok' });
      if (outcome === 'failed') return;
      archived.inc(outcome.archived.reduce((sum, p) => sum + p.events, 0));
      pruned.inc(outcome.pruned);
      overdue.set(outcome.overdue);
      watermark.set(outcome.prunedThrough);
    },
  };
}
