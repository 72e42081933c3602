import { devStackConfig } from '../stack-config.ts';
import { runningPid, stackDirs } from '../native/processes.ts';
import { STACK_PIECES } from '../native/stack.ts';
import { runCli } from './run-cli.ts';

await runCli(async () => {
  const config = devStackConfig();
  const dirs = stackDirs(config.stackDir);
  for (const piece of STACK_PIECES) {
    const pid = runningPid(dirs, piece);
    console.log(`${piece.padEnd(16)} ${pid === undefined ? 'not running' : `running (pid ${pid})`}`);
  }
});
