import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { BrokerLogin } from '@shop/shared/messaging';
import { childEnv, repoRoot, type DbLogin, type StackConfig } from '../stack-config.ts';
import { declareStackTopology } from './rabbitmq.ts';
import type { Progress } from './stack.ts';
import { waitUntil } from './wait-until.ts';

/**
 * `npm run shards -- --count N` (docs/scaling.md, "Changing the shard count"): each step runs as
 * the component that owns it, with that component's login only:
 *   1. the projector's step as the broker's admin: refuse what is not a split; declare N queues;
 *   2. the write side's owner: switch the routing at the current position P (every event after P
 *      routed by N);
 *   3. the projector's login: wait until every event at or below P is applied or parked; then the
 *      notifier's: until every one of them is in the notifier's inbox (its own queues drain too);
 *   4. the owner: mark the switch drained; the projectors and the notifier then consume the new shards.
 * Resumable: run again after a failure, it picks up where the routing stands.
 */
export interface ShardCountChange {
  from: number;
  to: number;
  cut: number;
  /** How long step 3 waited (the moved aggregates' new events wait this long in their new queues). */
  drainMs: number;
}

export class ShardCountRefusedError extends Error {
  override name = 'ShardCountRefusedError';
}

export async function changeShardCount(
  config: StackConfig,
  count: number,
  progress: Progress,
  options: { drainTimeoutMs?: number } = {},
): Promise<ShardCountChange> {
  const prepared = await step(config, progress, 'projector', 'admin', ['prepare', '--count', String(count)]);
  const from = prepared.from as number;
  // The notifier's queues of the N shards too, before the routing grows: an event routed to a
  // shard without its queue would never reach the notifier.
  await declareStackTopology(config, count);
  const switched = await step(config, progress, 'owner', undefined, ['switch', '--count', String(count)]);
  const cut = switched.cut as number;
  progress(
    switched.switched
      ? `  ok  routing switched at position ${cut}: every event after it is routed by ${count} shards`
      : `  ok  routing already switched to ${count} shards at position ${cut} (resuming)`,
  );
  let drainMs = 0;
  if (!switched.drained) {
    const timeout = String(options.drainTimeoutMs ?? 600_000);
    drainMs = (await step(config, progress, 'projector', undefined, ['drain', '--cut', String(cut), '--timeout-ms', timeout]))
      .drainedMs as number;
    const notifierDrainMs = (
      await step(config, progress, 'notifier', undefined, ['drain', '--cut', String(cut), '--timeout-ms', timeout])
    ).drainedMs as number;
    drainMs += notifierDrainMs;
    progress(`  ok  drained in ${(drainMs / 1000).toFixed(1)} s: every event at or below ${cut} applied or parked, and notified`);
    await step(config, progress, 'owner', undefined, ['drained', '--cut', String(cut)]);
  }
  progress(`  ok  drain recorded: projectors consume shards 0 … ${count - 1}`);
  return { from, to: count, cut, drainMs };
}

/**
 * Waits until the projector at `url` consumes `count` shards (with PROJECTOR_SHARDS=all it picks
 * them up within ROUTING_POLL_MS of the drain mark).
 */
export async function waitForProjectorShards(url: string, count: number, timeoutMs = 60_000): Promise<void> {
  await waitUntil(
    `the projector at ${url} consuming ${count} shards`,
    async () => {
      const res = await fetch(`${url}/health`, { signal: AbortSignal.timeout(2_000) });
      const body = (await res.json()) as { shards?: Record<string, unknown> };
      return Object.keys(body.shards ?? {}).length >= count;
    },
    { timeoutMs },
  );
}

const ENTRIES: Record<'projector' | 'owner' | 'notifier', string> = {
  projector: join(repoRoot, 'projector', 'src', 'cli', 'shards.ts'),
  notifier: join(repoRoot, 'notifier', 'src', 'cli', 'shards.ts'),
  owner: join(repoRoot, 'command-api', 'src', 'cli', 'shard-routing.ts'),
};

/** Runs one step as `login`; its lines are progress, its last "result <json>" line the value. */
function step(
  config: StackConfig,
  progress: Progress,
  login: DbLogin & ('projector' | 'owner' | 'notifier'),
  broker: BrokerLogin | undefined,
  args: string[],
) {
  return new Promise<Record<string, unknown>>((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', ENTRIES[login], ...args], {
      cwd: repoRoot,
      env: childEnv(config, login, broker),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let value: Record<string, unknown> | undefined;
    let refused: string | undefined;
    const errors: string[] = [];
    createInterface({ input: child.stdout }).on('line', (line) => {
      if (line.startsWith('result ')) value = JSON.parse(line.slice('result '.length)) as Record<string, unknown>;
      else if (line.startsWith('refused: ')) refused = line.slice('refused: '.length);
      else progress(`  ..  ${line}`);
    });
    createInterface({ input: child.stderr }).on('line', (line) => errors.push(line));
    child.on('exit', (code) => {
      if (code === 0 && value) return resolve(value);
      if (code === 3) return reject(new ShardCountRefusedError(refused ?? 'refused'));
      reject(new Error(`${args[0]} (as ${login}) failed: ${errors.slice(-5).join('\n') || `exit ${code}`}`));
    });
  });
}
