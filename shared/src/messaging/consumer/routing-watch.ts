import { setTimeout as sleep } from 'node:timers/promises';
import type pg from 'pg';
import type { Logger } from '../../log.ts';
import { consumableShardCount, readShardRouting, routedShardCount, shardRange, type ShardRouting } from '../../outbox/index.ts';
import { startPeriodic, type Periodic } from '../../periodic.ts';
import type { Consumer } from './consumer.ts';

/** PROJECTOR_SHARDS: `all`, or a list. */
export type ShardSetting = 'all' | readonly number[];

/**
 * The shards an instance consumes: its setting, cut to the shards of the newest drained change of
 * the shard count. A shard a draining change added is left alone, however it is listed: an
 * aggregate that moved to it may still have older events in its old shard.
 */
export function shardsToConsume(setting: ShardSetting, routing: ShardRouting): number[] {
  const consumable = consumableShardCount(routing);
  return setting === 'all' ? shardRange(consumable) : setting.filter((shard) => shard < consumable);
}

/**
 * The routing at start. The projector cannot tell which queues to consume without it, so while the
 * write database does not answer it waits (and says so) rather than guess.
 */
export async function routingAtStart(write: pg.Pool, log: Logger, retryMs = 2000): Promise<ShardRouting> {
  for (;;) {
    try {
      return await readShardRouting(write);
    } catch (err) {
      log.warn({ err }, 'cannot read the shard routing from the write database; retrying');
      await sleep(retryMs);
    }
  }
}

/**
 * Reads the routing every `everyMs` and hands the consumer the shards a drained change added
 * (`npm run shards`), so an instance with `all` ends up consuming them without a restart.
 */
export function startRoutingWatch(deps: {
  write: pg.Pool;
  consumer: Consumer;
  setting: ShardSetting;
  everyMs: number;
  log: Logger;
}): Periodic {
  const { write, consumer, setting, everyMs, log } = deps;
  return startPeriodic(
    async () => {
      const routing = await readShardRouting(write);
      await consumer.consumeShards(shardsToConsume(setting, routing), routedShardCount(routing));
    },
    { everyMs, runAtStart: false, onError: (err: unknown) => log.warn({ err }, 'cannot read the shard routing') },
  );
}
