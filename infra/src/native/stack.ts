import { join } from 'node:path';
import { childEnv, repoRoot, type StackConfig } from '../stack-config.ts';
import {
  DEBEZIUM,
  DEBEZIUM_SECOND,
  debeziumHealthUrl,
  debeziumInstanceNames,
  debeziumJavaHome,
  prepareDebezium,
  isDistributionCached,
  startDebezium,
} from './debezium-server.ts';
import { POSTGRES, startPostgres, stopPostgres } from './postgres-cluster.ts';
import { missingPrerequisites } from './prerequisites.ts';
import {
  diedUnexpectedly,
  logFile,
  runningPid,
  spawnDetached,
  stackDirs,
  stopRecorded,
  tailLog,
  type StackDirs,
} from './processes.ts';
import { SUPERVISOR } from './supervisor.ts';
import { declareStackTopology } from './rabbitmq.ts';
import { formCluster, replicateStackQueues } from './rabbitmq-cluster.ts';
import { isClustered, proxyPort, rabbitClusterLayout } from './rabbitmq-cluster-layout.ts';
import { startRabbitNodes, stopRabbitNodes } from './rabbitmq-node.ts';
import { RABBITMQ_PROXY, startRabbitProxy, stopRabbitProxy } from './rabbitmq-proxy.ts';
import { stackPieces } from './pieces.ts';
import { migrateWriteSide, serviceSpecs, startService } from './services.ts';
import { setUpRoles } from './roles.ts';
import { saveSecrets } from '../secrets.ts';
import { debeziumInstances } from './slot.ts';
import { httpOk, waitUntil } from './wait-until.ts';

export class PrerequisiteError extends Error {
  constructor(readonly missing: string[]) {
    super(missing.join('\n'));
    this.name = 'PrerequisiteError';
  }
}

/** A piece of the stack that did not come up, with the tail of its log. */
export class PieceFailedError extends Error {
  constructor(
    readonly piece: string,
    reason: string,
    readonly logTail: string,
    readonly logPath: string,
  ) {
    super(`${piece}: ${reason}`);
    this.name = 'PieceFailedError';
  }
}

export type Progress = (line: string) => void;

/**
 * Brings the whole native stack up (idempotent: pieces already running are kept) and waits until
 * every piece is healthy and Debezium streams from its slot.
 */
export async function startStack(config: StackConfig, progress: Progress, options: { supervise?: boolean } = {}): Promise<void> {
  const dirs = stackDirs(config.stackDir);
  saveSecrets(config.stackDir, config);
  const missing = await missingPrerequisites(config, !isDistributionCached(config.DEBEZIUM_VERSION));
  if (missing.length > 0) throw new PrerequisiteError(missing);
  reportCrashed(config, dirs, progress);
  const javaHome = debeziumJavaHome(config);
  const distDir = prepareDebezium(config, progress);

  await step(progress, `postgres (port ${config.PG_PORT}, wal_level=logical)`, () => startPostgres(config, dirs));
  await step(progress, 'database roles, one per component (infra/postgres/roles.sql)', async () => setUpRoles(config));
  await step(progress, `write side migrated as its owner (${config.WRITE_DB_NAME})`, () => migrateWriteSide(config, dirs));
  await startBroker(config, dirs, progress);

  await startServices(config, dirs, progress);

  startDebezium(config, dirs, distDir, javaHome);
  const instances = debeziumInstanceNames(config);
  await step(progress, `${instances.join(' + ')} ${config.DEBEZIUM_VERSION} (slot ${config.DEBEZIUM_SLOT})`, () =>
    waitForDebezium(config, dirs),
  );
  if (options.supervise) startSupervisor(config, dirs);
}

/**
 * The stack's broker: its node, or its nodes made one cluster; the topology; with a cluster, every
 * queue on every node and the proxy Debezium publishes through.
 */
async function startBroker(config: StackConfig, dirs: StackDirs, progress: Progress): Promise<void> {
  const nodes = rabbitClusterLayout(config);
  if (nodes.length > 0) {
    const label = nodes.map((n) => `${n.erlangNode.replace(/@.*/, '')} (port ${n.amqpPort})`).join(', ');
    await step(progress, `rabbitmq ${nodes.length > 1 ? 'nodes' : 'node'} ${label}`, () => startRabbitNodes(config, dirs));
  }
  if (isClustered(config)) await step(progress, `rabbitmq cluster of ${nodes.length} nodes`, () => formCluster(config));
  await step(progress, `rabbitmq topology (exchange ${config.EVENTS_EXCHANGE})`, () => declareStackTopology(config));
  if (!isClustered(config)) return;
  await step(progress, `shard queues and dead letters on all ${nodes.length} nodes, leaders spread`, () =>
    replicateStackQueues(config),
  );
  await step(progress, `${RABBITMQ_PROXY} for Debezium (haproxy, port ${proxyPort(config)})`, () =>
    startRabbitProxy(config, dirs),
  );
}

/** A detached watcher that restarts Debezium or a service that dies (see supervisor.ts). */
export function startSupervisor(config: StackConfig, dirs: StackDirs = stackDirs(config.stackDir)) {
  if (runningPid(dirs, SUPERVISOR) !== undefined) return;
  spawnDetached(dirs, {
    name: SUPERVISOR,
    command: process.execPath,
    args: ['--import', 'tsx', join(repoRoot, 'infra', 'src', 'cli', 'supervise.ts'), config.name],
    cwd: repoRoot,
    // It restarts the notifier with the stack's settings, its signing key included: the one setting
    // childEnv keeps from every process but the notifier, and which a stack given its settings in
    // code (npm run chaos's receiver) has in no file the supervisor could read.
    env: {
      ...childEnv(config),
      ...(config.settingText.NOTIFIER_WEBHOOK_SECRET
        ? { NOTIFIER_WEBHOOK_SECRET: config.settingText.NOTIFIER_WEBHOOK_SECRET }
        : {}),
    },
  });
}

/** Starts the services (those not yet running) together and waits until each is healthy. */
export async function startServices(config: StackConfig, dirs: StackDirs, progress: Progress): Promise<void> {
  const services = serviceSpecs(config);
  for (const service of services) startService(config, dirs, service.name);
  await step(progress, services.map((s) => s.name).join(', '), () =>
    Promise.all(services.map((s) => waitForPiece(dirs, s.name, () => httpOk(s.healthUrl), 60_000))),
  );
}

/** Stops what this stack recorded, newest first; returns the names that were running. */
export async function stopStack(config: StackConfig): Promise<string[]> {
  const dirs = stackDirs(config.stackDir);
  const stopped: string[] = [];
  // The supervisor first, so it does not restart what is being stopped.
  // The standby before the active instance, so it does not take the slot over while the stack stops.
  for (const name of [SUPERVISOR, DEBEZIUM_SECOND, DEBEZIUM, 'notifier', 'query-api', 'projector', 'command-api']) {
    if (await stopRecorded(dirs, name)) stopped.push(name);
  }
  if (await stopPostgres(dirs)) stopped.push(POSTGRES);
  if (await stopRabbitProxy(dirs)) stopped.push(RABBITMQ_PROXY);
  stopped.push(...(await stopRabbitNodes(config, dirs)));
  return stopped;
}

/** Pieces whose process died since the last start are named, with their last log lines, then restarted. */
function reportCrashed(config: StackConfig, dirs: StackDirs, progress: Progress) {
  for (const { name: piece, external } of stackPieces(config)) {
    if (external || piece === SUPERVISOR) continue;
    if (!diedUnexpectedly(dirs, piece)) continue;
    const tail = tailLog(dirs, piece, 10).replace(/^/gm, '      ');
    progress(`  !!  ${piece} had stopped unexpectedly (restarting it); last lines of ${logFile(dirs, piece)}:\n${tail}`);
  }
}

async function step(progress: Progress, label: string, run: () => Promise<unknown>) {
  const started = Date.now();
  await run();
  progress(`  ok  ${label} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
}

/**
 * Waits until one Debezium instance streams from the slot (it holds the lease, its health is UP,
 * the slot is active) and every other one waits for the lease (standby). An instance that exits
 * meanwhile fails the start with the tail of its log.
 */
async function waitForDebezium(config: StackConfig, dirs: StackDirs): Promise<void> {
  const names = debeziumInstanceNames(config);
  const exited = () => names.find((name) => runningPid(dirs, name) === undefined);
  const ready = async () => {
    const instances = await debeziumInstances(config);
    const active = instances.filter((i) => i.role === 'active');
    if (active.length !== 1 || !instances.every((i) => i.role === 'active' || i.role === 'standby')) return false;
    return httpOk(debeziumHealthUrl(config, active[0]!.name));
  };
  try {
    await waitUntil('Debezium streaming from its slot', ready, {
      timeoutMs: 240_000,
      abort: () => (exited() === undefined ? undefined : 'process exited'),
    });
  } catch (err) {
    const name = exited() ?? DEBEZIUM;
    throw new PieceFailedError(name, (err as Error).message, tailLog(dirs, name), logFile(dirs, name));
  }
}

/** Waits for `ready`; a piece that exits or stays unready fails with the tail of its log. */
async function waitForPiece(dirs: StackDirs, name: string, ready: () => Promise<boolean>, timeoutMs: number) {
  const abort = () => (runningPid(dirs, name) === undefined ? 'process exited' : undefined);
  try {
    await waitUntil(`${name} health`, ready, { timeoutMs, abort });
  } catch (err) {
    throw new PieceFailedError(name, (err as Error).message, tailLog(dirs, name), logFile(dirs, name));
  }
}
