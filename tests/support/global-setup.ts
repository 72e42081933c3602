import type {} from 'vitest';
import type { TestProject } from 'vitest/node';
import type { StackConfig } from '../../infra/src/stack-config.ts';
import { dockerAnswers, startContainerTestStack } from './container-stack.ts';
import { startNativeTestStack } from './native-stack.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    stack: StackConfig;
  }
}

/**
 * Starts the isolated test stack once for the e2e project: Testcontainers when a Docker engine
 * answers, the native provider (own Postgres cluster, system RabbitMQ, Debezium from the Maven
 * cache) otherwise. Either way the three services run as real processes.
 */
export default async function setup(project: TestProject) {
  const started = Date.now();
  const useDocker = process.env.TEST_STACK_PROVIDER === 'native' ? false : await dockerAnswers();
  const log = (line: string) => console.log(`[test stack] ${line}`);
  log(`provider: ${useDocker ? 'testcontainers' : 'native'}`);
  const stack = useDocker ? await startContainerTestStack(log) : await startNativeTestStack(log);
  log(`ready in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  project.provide('stack', stack.config);
  return async () => {
    await stack.stop();
    log('stopped');
  };
}
