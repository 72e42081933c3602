import { join } from 'node:path';
import { spawnDetached, stackDirs } from '../../infra/src/native/processes.ts';
import { childEnv, repoRoot, type StackConfig } from '../../infra/src/stack-config.ts';
import { eventually, projectorStats } from './clients.ts';

/**
 * Starts one more projector instance on the test stack, recorded under `name` (stop it with
 * stopRecorded), on its own health port, with `env` over the stack's settings; resolves once its
 * /health says ok. `waitUntilHealthy: false` returns at once (a test that waits for its effect).
 */
export async function startExtraProjector(
  stack: StackConfig,
  name: string,
  port: number,
  options: { env?: Record<string, string>; waitUntilHealthy?: boolean } = {},
): Promise<void> {
  const cwd = join(repoRoot, 'projector');
  spawnDetached(stackDirs(stack.stackDir), {
    name,
    command: process.execPath,
    args: ['--import', 'tsx', join(cwd, 'src', 'main.ts')],
    cwd,
    env: { ...childEnv(stack, 'projector'), PROJECTOR_PORT: String(port), ...options.env },
  });
  if (options.waitUntilHealthy === false) return;
  await eventually(
    async () => ((await projectorStats(stack, port).catch(() => undefined))?.status === 'ok' ? true : undefined),
    30_000,
  );
}
