import { devStackConfig } from '../stack-config.ts';
import { diedUnexpectedly, logFile, runningPid, stackDirs } from '../native/processes.ts';
import { RABBITMQ } from '../native/rabbitmq-node.ts';
import { STACK_PIECES } from '../native/stack.ts';
import { runCli } from './run-cli.ts';

await runCli(async () => {
  const config = devStackConfig();
  const dirs = stackDirs(config.stackDir);
  // A stale pid file (process gone, never stopped) is what marks a crash.
  const crashed = new Set(STACK_PIECES.filter((piece) => diedUnexpectedly(dirs, piece)));
  for (const piece of STACK_PIECES) {
    if (piece === RABBITMQ && !config.RABBITMQ_PRIVATE_NODE) {
      console.log(
        `${piece.padEnd(16)} external broker at ${config.RABBITMQ_HOST}:${config.RABBITMQ_PORT} (not started by this stack)`,
      );
      continue;
    }
    const pid = runningPid(dirs, piece);
    const state =
      pid !== undefined ? `running (pid ${pid})` : crashed.has(piece) ? `DIED: see ${logFile(dirs, piece)}` : 'not running';
    console.log(`${piece.padEnd(16)} ${state}`);
    if (pid === undefined && crashed.has(piece)) process.exitCode = 1;
  }
});
