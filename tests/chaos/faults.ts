import { DEBEZIUM, debeziumHealthUrl } from '../../infra/src/native/debezium-server.ts';
import { startPostgres, stopPostgres } from '../../infra/src/native/postgres-cluster.ts';
import { runningPid, stackDirs } from '../../infra/src/native/processes.ts';
import { startRabbitNode, stopRabbitNode } from '../../infra/src/native/rabbitmq-node.ts';
import { isSlotActive } from '../../infra/src/native/slot.ts';
import { httpOk, waitUntil } from '../../infra/src/native/wait-until.ts';
import type { StackConfig } from '../../infra/src/stack-config.ts';

export const FAULT_KINDS = ['kill-debezium', 'kill-projector', 'restart-broker', 'restart-database', 'pause-debezium'] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

/** How long Debezium stays paused: long enough for the lag to build up. */
const PAUSE_MS = 8_000;
/** A fault is over when the stack is whole again; the supervisor restarts what died. */
const RECOVERY_TIMEOUT_MS = 120_000;

/**
 * Injects one fault and returns once it is over: the killed piece is back (restarted by the
 * stack's supervisor, as in production), the restarted broker or database answers and Debezium
 * streams from its slot again, or the paused Debezium is resumed.
 */
export async function injectFault(stack: StackConfig, kind: FaultKind): Promise<void> {
  const dirs = stackDirs(stack.stackDir);
  const pidOf = (name: string) => {
    const pid = runningPid(dirs, name);
    if (pid === undefined) throw new Error(`${name} is not running before the fault`);
    return pid;
  };
  switch (kind) {
    case 'kill-debezium':
      process.kill(pidOf(DEBEZIUM), 'SIGKILL');
      break;
    case 'kill-projector':
      process.kill(pidOf('projector'), 'SIGKILL');
      break;
    case 'restart-broker':
      await stopRabbitNode(dirs);
      await startRabbitNode(stack, dirs);
      break;
    case 'restart-database':
      // The read and write databases share this cluster: both restart.
      await stopPostgres(dirs);
      await startPostgres(stack, dirs);
      break;
    case 'pause-debezium': {
      const pid = pidOf(DEBEZIUM);
      process.kill(pid, 'SIGSTOP');
      await new Promise((r) => setTimeout(r, PAUSE_MS));
      process.kill(pid, 'SIGCONT');
      break;
    }
  }
  await waitUntilWhole(stack);
}

async function waitUntilWhole(stack: StackConfig) {
  const dirs = stackDirs(stack.stackDir);
  const projectorUp = () => httpOk(`http://127.0.0.1:${stack.PROJECTOR_PORT}/health`);
  await waitUntil(
    'stack whole again',
    async () =>
      runningPid(dirs, DEBEZIUM) !== undefined &&
      (await httpOk(debeziumHealthUrl(stack))) &&
      (await isSlotActive(stack).catch(() => false)) &&
      (await projectorUp()),
    { timeoutMs: RECOVERY_TIMEOUT_MS, intervalMs: 250 },
  );
}
