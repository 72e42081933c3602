import { devStackConfig } from '../stack-config.ts';
import { diedUnexpectedly, logFile, runningPid, stackDirs } from '../native/processes.ts';
import { RABBITMQ } from '../native/rabbitmq-node.ts';
import { debeziumInstances } from '../native/slot.ts';
import { stackPieces } from '../native/stack.ts';
import { runCli } from './run-cli.ts';

await runCli(async () => {
  const config = devStackConfig();
  const dirs = stackDirs(config.stackDir);
  const pieces = stackPieces(config);
  // A stale pid file (process gone, never stopped) is what marks a crash.
  const crashed = new Set(pieces.filter((piece) => diedUnexpectedly(dirs, piece)));
  // Which Debezium instance holds the slot's lease (unknown while the database is down).
  const roles = new Map((await debeziumInstances(config).catch(() => [])).map((i) => [i.name as string, i]));
  for (const piece of pieces) {
    if (piece === RABBITMQ && !config.RABBITMQ_PRIVATE_NODE) {
      console.log(
        `${piece.padEnd(18)} external broker at ${config.RABBITMQ_HOST}:${config.RABBITMQ_PORT} (not started by this stack)`,
      );
      continue;
    }
    const pid = runningPid(dirs, piece);
    const state =
      pid !== undefined ? `running (pid ${pid})` : crashed.has(piece) ? `DIED: see ${logFile(dirs, piece)}` : 'not running';
    const role = roles.get(piece);
    const lease = role && pid !== undefined ? `, ${role.role}${role.since ? ` since ${role.since.toISOString()}` : ''}` : '';
    console.log(`${piece.padEnd(18)} ${state}${lease}`);
    if (pid === undefined && crashed.has(piece)) process.exitCode = 1;
  }
});
