import { setTimeout as sleep } from 'node:timers/promises';
import type pg from 'pg';
import { connectFirstReachable } from '@shop/shared/messaging';
import { postgresUrl, rabbitUrls } from '@shop/shared/config';
import { createPool } from '@shop/shared/db';
import { createLogger } from '@shop/shared/log';
import { readShardRouting, routedShardCount, waitForHighWaterMark, type OutboxLocker } from '@shop/shared/outbox';
import type { Config } from '../config.ts';
import { readyInShardQueues } from '@shop/shared/consumer';
import { inboxMarkTracker } from '@shop/shared/read-side';
import { confirmedLsn, currentWalLsn } from '@shop/shared/outbox';
import { createReconciler, type Reconciler } from './reconciler.ts';
import { reconcilerSettings } from './settings.ts';

/** How long an audit waits for Debezium to publish up to the high-water mark. */
const PUBLISH_WAIT_MS = 30_000;

/**
 * The high-water mark, once Debezium has published up to it (confirmed the WAL position read
 * right after it); null if it has not within PUBLISH_WAIT_MS (Debezium stopped or far behind):
 * nothing can be called missing then.
 */
async function publishedHighWaterMark(
  write: pg.Pool,
  slot: string,
  onBlocked?: (lockers: readonly OutboxLocker[]) => void,
): Promise<number | null> {
  const mark = await waitForHighWaterMark(write, { onBlocked });
  const lsn = await currentWalLsn(write);
  const deadline = Date.now() + PUBLISH_WAIT_MS;
  for (;;) {
    const confirmed = await confirmedLsn(write, slot);
    if (confirmed !== null && confirmed >= lsn) return mark;
    if (Date.now() > deadline) return null;
    await sleep(250);
  }
}

export interface OnDemandReconciler {
  reconciler: Reconciler;
  close(): Promise<void>;
}

/**
 * A reconciler for one audit now (`npm run reconcile`, tests), outside the projector: it waits
 * for the high-water mark and for Debezium to publish up to it instead of tracking them, and asks
 * the broker which shard queues still hold messages (it holds no deliveries of its own).
 */
export async function openOnDemandReconciler(
  config: Config,
  options: { graceMs?: number; onBlocked?: (lockers: readonly OutboxLocker[]) => void } = {},
): Promise<OnDemandReconciler> {
  const write = createPool(postgresUrl(config, config.WRITE_DB_NAME), 2, 'reconcile');
  const read = createPool(postgresUrl(config, config.READ_DB_NAME), 2, 'reconcile', 'read');
  const broker = await connectFirstReachable(rabbitUrls(config), { connectionName: 'reconcile' });
  const names = { exchange: config.EVENTS_EXCHANGE, queue: config.PROJECTOR_QUEUE };
  const reconciler = createReconciler({
    write,
    read,
    settings: { ...reconcilerSettings(config), graceMs: options.graceMs ?? config.RECONCILE_GRACE_MS },
    highWaterMark: () => publishedHighWaterMark(write, config.DEBEZIUM_SLOT, options.onBlocked),
    shardsInFlight: async () => {
      const ready = await readyInShardQueues(broker, names, routedShardCount(await readShardRouting(write)));
      return new Set([...ready].filter(([, n]) => n > 0).map(([shard]) => shard));
    },
    // Not waited for: with a projector writing the inbox now, this audit may check none of it
    // (its own audits do, continuously); the unknown events found so far are reported all the same.
    inboxMark: inboxMarkTracker(read).poll,
    log: createLogger('reconcile', 'error'),
  });
  return {
    reconciler,
    close: async () => {
      await Promise.all([write.end(), read.end(), broker.close().catch(() => undefined)]);
    },
  };
}
