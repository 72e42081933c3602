import type {} from 'vitest';
import type { TestProject } from 'vitest/node';
import type { StackConfig } from '../../infra/src/stack-config.ts';
import { startNativeTestStack } from './native-stack.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    stack: StackConfig;
  }
}

/**
 * Starts the isolated test stack once for the e2e project: the same code as `npm start` with the
 * test profile (own Postgres cluster, own RabbitMQ node, Debezium Server from the Maven cache), so
 * the three services and Debezium run as real processes. The images of docker-compose.yml are
 * tested by `npm run test:compose`.
 */
export default async function setup(project: TestProject) {
  const started = Date.now();
  const log = (line: string) => console.log(`[test stack] ${line}`);
  const stack = await startNativeTestStack(log);
  log(`ready in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  project.provide('stack', stack.config);
  return async () => {
    await stack.stop();
    log('stopped');
  };
}
