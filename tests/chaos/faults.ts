import { setTimeout as sleep } from 'node:timers/promises';
import type pg from 'pg';
import { DEBEZIUM, debeziumHealthUrl, debeziumJvmPid } from '../../infra/src/native/debezium-server.ts';
import { startPostgres, stopPostgres } from '../../infra/src/native/postgres-cluster.ts';
import { runningPid, stackDirs } from '../../infra/src/native/processes.ts';
import { startRabbitNode, stopRabbitNode } from '../../infra/src/native/rabbitmq-node.ts';
import { debeziumInstances, isSlotActive } from '../../infra/src/native/slot.ts';
import { httpOk, waitUntil } from '../../infra/src/native/wait-until.ts';
import type { StackConfig } from '../../infra/src/stack-config.ts';
import { injectClusterFault, type ClusterFaultKind } from './cluster-faults.ts';
import { duplicateReorder } from './duplicates.ts';
import type { FaultContext } from './fault-context.ts';
import { healOnDemand, selfHealing } from './heal.ts';
import { deadLetterPublishFailure, poisonBurst, readDatabaseFailure } from './message-faults.ts';
import { rebuildHeldTransaction } from './rebuild-fault.ts';

/** Faults of the processes around the pipeline. */
export const PROCESS_FAULT_KINDS = [
  'kill-debezium',
  'kill-projector',
  'kill-notifier',
  'restart-broker',
  'restart-database',
  'pause-debezium',
  'slot-drop',
] as const;
/** Faults in what flows through it: hostile and repeated messages, failing writes of the projector, a rebuild. */
export const MESSAGE_FAULT_KINDS = [
  'poison-burst',
  'read-db-failure',
  'dead-letter-publish-failure',
  'duplicate-reorder',
  'rebuild-held-tx',
] as const;
/** What `npm run chaos` injects by default, on a single broker node and one Debezium. */
export const FAULT_KINDS = [...PROCESS_FAULT_KINDS, ...MESSAGE_FAULT_KINDS] as const;
/** Every kind: the default ones, and those of a clustered stack (`npm run chaos -- --cluster`). */
export type FaultKind = (typeof FAULT_KINDS)[number] | ClusterFaultKind;

/** How long Debezium stays paused: long enough for the lag to build up. */
const PAUSE_MS = 8_000;
/** A fault is over when the stack is whole again; the supervisor restarts what died. */
const RECOVERY_TIMEOUT_MS = 120_000;

/**
 * Injects one fault and returns once it is over: the killed piece is back (restarted by the
 * stack's supervisor, as in production), the restarted broker or database answers and Debezium
 * streams from its slot again, or the paused Debezium is resumed. Returns what it did, in a line.
 */
export async function injectFault(ctx: FaultContext, kind: FaultKind): Promise<string> {
  const detail = await inject(ctx, kind);
  await waitUntilWhole(ctx.stack);
  if (kind === 'slot-drop' && !selfHealing(ctx.stack)) {
    // What an operator does on a stack whose reconciler only reports: npm run reconcile.
    const run = await healOnDemand(ctx.stack);
    return `${detail}; npm run reconcile found ${run.found ?? '?'} missing, asked for ${run.requested}, ${run.missing ?? '?'} still missing`;
  }
  return detail;
}

async function inject(ctx: FaultContext, kind: FaultKind): Promise<string> {
  const { stack } = ctx;
  const dirs = stackDirs(stack.stackDir);
  switch (kind) {
    case 'kill-debezium':
      process.kill(pidOf(stack, DEBEZIUM), 'SIGKILL');
      return 'Debezium killed';
    case 'kill-projector':
      process.kill(pidOf(stack, 'projector'), 'SIGKILL');
      return 'projector killed';
    case 'kill-notifier':
      // No shutdown: the POST in hand of each shard may have been answered without its inbox row.
      process.kill(pidOf(stack, 'notifier'), 'SIGKILL');
      return 'notifier killed';
    case 'restart-broker':
      await stopRabbitNode(dirs);
      await startRabbitNode(stack, dirs);
      return 'broker restarted';
    case 'restart-database':
      // The read and write databases share this cluster: both restart.
      await stopPostgres(dirs);
      await startPostgres(stack, dirs);
      return 'database cluster restarted';
    case 'pause-debezium': {
      // The JVM itself: the recorded pid is its lease holder's (infra/src/native/debezium-lease.ts).
      const holder = pidOf(stack, DEBEZIUM);
      const pid = debeziumJvmPid(holder) ?? holder;
      process.kill(pid, 'SIGSTOP');
      await sleep(PAUSE_MS);
      process.kill(pid, 'SIGCONT');
      return `Debezium paused ${PAUSE_MS / 1000} s`;
    }
    case 'slot-drop':
      return slotDrop(ctx);
    case 'poison-burst':
      return poisonBurst(ctx);
    case 'read-db-failure':
      return readDatabaseFailure(ctx);
    case 'dead-letter-publish-failure':
      return deadLetterPublishFailure(ctx);
    case 'duplicate-reorder':
      return duplicateReorder(ctx);
    case 'rebuild-held-tx':
      return rebuildHeldTransaction(ctx);
    default:
      return injectClusterFault(ctx, kind);
  }
}

function pidOf(stack: StackConfig, name: string): number {
  const pid = runningPid(stackDirs(stack.stackDir), name);
  if (pid === undefined) throw new Error(`${name} is not running before the fault`);
  return pid;
}

/**
 * Debezium killed, and its replication slot dropped while it is down (the supervisor restarts
 * it; it creates a new slot at the current WAL position): what the workload commits in between is
 * never streamed. The reconciler must find those events and have them published again.
 */
async function slotDrop(ctx: FaultContext): Promise<string> {
  const killedAt = Date.now();
  process.kill(pidOf(ctx.stack, DEBEZIUM), 'SIGKILL');
  const attempts = await dropSlot(ctx.write, ctx.stack.DEBEZIUM_SLOT);
  return `Debezium killed, slot dropped ${Date.now() - killedAt} ms later (${attempts} attempt(s))`;
}

/** Drops the slot, ending the walsender that may still hold it; returns the attempts it took. */
async function dropSlot(write: pg.Pool, slot: string): Promise<number> {
  for (let attempt = 1; ; attempt++) {
    await write.query(
      /* sql */ `SELECT pg_terminate_backend(active_pid) FROM pg_replication_slots WHERE slot_name = $1::text AND active_pid IS NOT NULL`,
      [slot],
    );
    try {
      await write.query(/* sql */ `SELECT pg_drop_replication_slot($1::text)`, [slot]);
      return attempt;
    } catch (err) {
      // 55006: still active (the walsender has not exited yet, or Debezium is back already).
      if ((err as { code?: string }).code !== '55006' || attempt >= 100) throw err;
      await sleep(50);
    }
  }
}

/**
 * The stack is whole when a Debezium instance holds the lease and streams from the slot (with a
 * standby, either one) and answers its health check, and the projector and the notifier answer.
 */
export async function waitUntilWhole(stack: StackConfig) {
  const projectorUp = async () =>
    (await httpOk(`http://127.0.0.1:${stack.PROJECTOR_PORT}/health`)) &&
    (await httpOk(`http://127.0.0.1:${stack.NOTIFIER_PORT}/health`));
  const debeziumUp = async () => {
    const active = (await debeziumInstances(stack)).find((i) => i.role === 'active');
    return active !== undefined && (await httpOk(debeziumHealthUrl(stack, active.name)));
  };
  await waitUntil(
    'stack whole again',
    async () =>
      (await debeziumUp().catch(() => false)) && (await isSlotActive(stack).catch(() => false)) && (await projectorUp()),
    { timeoutMs: RECOVERY_TIMEOUT_MS, intervalMs: 250 },
  );
}
