import { supervise } from '../native/supervisor.ts';
import { chaosStackConfig, clusterStackConfig, devStackConfig, testStackConfig } from '../stack-config.ts';

// Started detached by `startStack(..., { supervise: true })`; the profile says which stack.
const profile = process.argv[2];
const profiles: Record<string, () => ReturnType<typeof devStackConfig>> = {
  chaos: chaosStackConfig,
  test: testStackConfig,
  cluster: clusterStackConfig,
};
const config = (profiles[profile ?? ''] ?? devStackConfig)();
await supervise(config, (line) => console.log(`${new Date().toISOString()} ${line}`));
