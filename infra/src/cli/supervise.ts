import { supervise } from '../native/supervisor.ts';
import { chaosStackConfig, devStackConfig, testStackConfig } from '../stack-config.ts';

// Started detached by `startStack(..., { supervise: true })`; the profile says which stack.
const profile = process.argv[2];
const config = profile === 'chaos' ? chaosStackConfig() : profile === 'test' ? testStackConfig() : devStackConfig();
await supervise(config, (line) => console.log(`${new Date().toISOString()} ${line}`));
