import { supervise } from '../native/supervisor.ts';
import {
  chaosStackConfig,
  clusterStackConfig,
  devStackConfig,
  STACK_SETTINGS,
  testStackConfig,
  withSettings,
} from '../stack-config.ts';

// Started detached by `startStack(..., { supervise: true })`; the profile says which stack, and the
// settings it was started with (its environment: childEnv) say how, e.g. a test stack with
// DEBEZIUM_STANDBY=true (its secrets stay those of the profile's folder).
const profile = process.argv[2];
const profiles: Record<string, () => ReturnType<typeof devStackConfig>> = {
  chaos: chaosStackConfig,
  test: testStackConfig,
  cluster: clusterStackConfig,
};
const base = (profiles[profile ?? ''] ?? devStackConfig)();
const given = Object.fromEntries(STACK_SETTINGS.flatMap((key) => (process.env[key] ? [[key, process.env[key]]] : [])));
await supervise(withSettings(base, given), (line) => console.log(`${new Date().toISOString()} ${line}`));
