import { rmSync } from 'node:fs';
import { deleteStackTopology } from '../../infra/src/native/rabbitmq.ts';
import { startStack, stopStack } from '../../infra/src/native/stack.ts';
import { testStackConfig, type StackConfig } from '../../infra/src/stack-config.ts';

export interface TestStack {
  config: StackConfig;
  stop(): Promise<void>;
}

/**
 * The test profile of the native stack, from nothing: what an interrupted earlier run left
 * (processes, cluster, queued messages) is removed first, so every run starts clean.
 */
export async function startNativeTestStack(log: (line: string) => void): Promise<TestStack> {
  const config = testStackConfig();
  await stopStack(config);
  rmSync(config.stackDir, { recursive: true, force: true });
  await deleteStackTopology(config).catch(() => undefined);
  await startStack(config, log);
  return {
    config,
    stop: async () => {
      await stopStack(config);
      await deleteStackTopology(config).catch(() => undefined);
    },
  };
}
