import { devStackConfig } from '../stack-config.ts';
import { stopStack } from '../native/stack.ts';
import { runCli } from './run-cli.ts';

await runCli(async () => {
  const stopped = await stopStack(devStackConfig());
  console.log(stopped.length > 0 ? `stopped: ${stopped.join(', ')}` : 'nothing of this stack was running');
});
