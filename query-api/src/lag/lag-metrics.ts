import { Gauge, type Registry } from 'prom-client';
import { parseLsn } from '@shop/shared/db';
import { syncStatus, type PipelineDatabases } from './sync-status.ts';

type Status = Awaited<ReturnType<typeof syncStatus>>;
type GaugeOf = (name: string, help: string, pick: (s: Status) => number | null | undefined) => Gauge;

/** Pipeline lag gauges, read fresh on every scrape. */
export function registerLagGauges(registry: Registry, dbs: PipelineDatabases): void {
  let pending: Promise<Awaited<ReturnType<typeof syncStatus>>> | undefined;
  // One status per scrape, shared by the gauges.
  const status = () => (pending ??= syncStatus(dbs).finally(() => setTimeout(() => (pending = undefined), 100)));
  const gauge: GaugeOf = (name, help, pick) =>
    new Gauge({
      name,
      help,
      registers: [registry],
      async collect() {
        const value = pick(await status());
        if (value !== null && value !== undefined) this.set(value);
      },
    });
  registerNotifierGauges(gauge);
  gauge('pipeline_lag_seconds', 'Age of the oldest committed event not yet projected (0 when caught up)', (s) => s.lagSeconds);
  gauge('pipeline_events_behind', 'Committed outbox events not yet projected', (s) => s.eventsBehind);
  gauge(
    'pipeline_missing_events',
    'Events committed longer ago than the reconciler grace period, neither projected nor parked',
    (s) => s.missing,
  );
  gauge(
    'pipeline_unknown_events',
    'Applied events that are not in the outbox log: forged, or not published by Debezium',
    (s) => s.unknown,
  );
  gauge(
    'pipeline_slot_lag_bytes',
    'WAL bytes between the current LSN and the slot confirmed flush LSN',
    (s) => s.debezium.lagBytes,
  );
  gauge(
    'pipeline_slot_confirmed_flush_lsn_bytes',
    "The slot's confirmed flush LSN as a byte position: stops moving when Debezium stops confirming",
    // Exact below 2^53 bytes (8 PiB of WAL).
    (s) => (s.debezium.confirmedFlushLsn === null ? null : Number(parseLsn(s.debezium.confirmedFlushLsn))),
  );
  gauge('pipeline_slot_active', '1 when Debezium is streaming from the slot', (s) =>
    s.debezium.active === null ? null : Number(s.debezium.active),
  );
  new Gauge({
    name: 'debezium_active_instance',
    help: 'Per Debezium instance seen: 1 for the one holding the slot lease, 0 for one waiting to take over',
    labelNames: ['instance'],
    registers: [registry],
    async collect() {
      const { activeInstance, standbyInstances } = (await status()).debezium;
      this.reset();
      if (activeInstance !== null) this.set({ instance: activeInstance }, 1);
      for (const instance of standbyInstances) this.set({ instance }, 0);
    },
  });
  gauge(
    'pipeline_dead_lettered_events',
    'Events set aside by the projector and not applied since',
    (s) => s.projector.deadLettered,
  );
}

/** The notifier's, beside the projector's: the same reading of sync-status (its `notifier` part). */
function registerNotifierGauges(gauge: GaugeOf): void {
  gauge(
    'notifier_lag_seconds',
    'Age of the oldest committed event the notifier has not settled yet (0 when caught up)',
    (s) => s.notifier.lagSeconds,
  );
  gauge(
    'notifier_events_behind',
    'Committed outbox events since its baseline the notifier has not settled yet',
    (s) => s.notifier.eventsBehind,
  );
  gauge(
    'notifier_missing_events',
    'Events committed longer ago than the notifier audit grace period that never reached its inbox',
    (s) => s.notifier.missing,
  );
  gauge(
    'notifier_parked_events',
    'Notifications the notifier gave up on (parked), waiting for a re-drive',
    (s) => s.notifier.parked,
  );
}
