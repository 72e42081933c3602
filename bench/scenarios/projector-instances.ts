import { join } from 'node:path';
import { spawnDetached, stopRecorded, type StackDirs } from '../../infra/src/native/processes.ts';
import { startService } from '../../infra/src/native/services.ts';
import { httpOk, waitUntil } from '../../infra/src/native/wait-until.ts';
import { childEnv, repoRoot, withSettings, type StackConfig } from '../../infra/src/stack-config.ts';

/** The most projector instances the bench runs at once (the scale-out scenario's largest count). */
export const MAX_INSTANCES = 4;

/**
 * Instance 0 is the stack's own projector (recorded as `projector`, on PROJECTOR_PORT), restarted
 * with a subset of the shards; the others are recorded as `projector-2`, `projector-3`, ... on
 * ports 10 apart above it, so the CPU accounting names each process apart.
 */
export const instanceName = (i: number) => (i === 0 ? 'projector' : `projector-${i + 1}`);
const instancePort = (stack: StackConfig, i: number) => stack.PROJECTOR_PORT + 10 * i;

/**
 * Starts one projector process per entry of `shards`, each consuming that disjoint subset
 * (PROJECTOR_SHARDS) with the stack's other settings, and waits until every one answers its
 * health check. The stack's own projector must be stopped first (stopProjectorInstances).
 */
export async function startProjectorInstances(stack: StackConfig, dirs: StackDirs, shards: number[][]): Promise<void> {
  if (shards.length > MAX_INSTANCES) throw new Error(`at most ${MAX_INSTANCES} projector instances`);
  const cwd = join(repoRoot, 'projector');
  shards.forEach((subset, i) => {
    const config = withSettings(stack, { PROJECTOR_SHARDS: subset.join(','), PROJECTOR_PORT: String(instancePort(stack, i)) });
    spawnDetached(dirs, {
      name: instanceName(i),
      command: process.execPath,
      args: ['--import', 'tsx', join(cwd, 'src', 'main.ts')],
      cwd,
      env: childEnv(config, 'projector'),
    });
  });
  await Promise.all(
    shards.map((_, i) =>
      waitUntil(`${instanceName(i)}`, () => httpOk(`http://127.0.0.1:${instancePort(stack, i)}/health`), { timeoutMs: 120_000 }),
    ),
  );
}

/**
 * Whether every instance lists each of its shards among those it consumes (its /health's
 * `shards`): it has opened the shard's channel and asked to consume. RabbitMQ does not count a
 * consumer that waits behind a queue's single active one, so the instances are asked instead.
 */
export async function instancesSubscribed(stack: StackConfig, shards: number[][]): Promise<boolean> {
  const listed = await Promise.all(
    shards.map(async (_, i) => {
      const res = await fetch(`http://127.0.0.1:${instancePort(stack, i)}/health`, { signal: AbortSignal.timeout(2_000) });
      return Object.keys(((await res.json()) as { shards?: Record<string, unknown> }).shards ?? {}).map(Number);
    }),
  );
  return shards.every((subset, i) => subset.every((shard) => listed[i]!.includes(shard)));
}

/** Stops every projector instance the bench may have started, the stack's own included. */
export async function stopProjectorInstances(dirs: StackDirs): Promise<void> {
  await Promise.all(Array.from({ length: MAX_INSTANCES }, (_, i) => stopRecorded(dirs, instanceName(i))));
}

/** Back to the stack as it runs: its own projector alone, on every shard. */
export async function restoreStackProjector(stack: StackConfig, dirs: StackDirs): Promise<void> {
  await stopProjectorInstances(dirs);
  startService(stack, dirs, 'projector');
  await waitUntil('projector', () => httpOk(`http://127.0.0.1:${stack.PROJECTOR_PORT}/health`), { timeoutMs: 120_000 });
}
