import type { StackConfig } from '../stack-config.ts';
import {
  debeziumInstanceNames,
  debeziumJavaHome,
  prepareDebezium,
  startDebeziumInstance,
  type DebeziumInstance,
} from './debezium-server.ts';
import { diedUnexpectedly, runningPid, stackDirs, tailLog, type StackDirs } from './processes.ts';
import { isPostgresReachable } from './postgres-cluster.ts';
import { isRabbitReachable } from './rabbitmq.ts';
import { rabbitClusterLayout } from './rabbitmq-cluster-layout.ts';
import { startRabbitNodes } from './rabbitmq-node.ts';
import { RABBITMQ_PROXY, startRabbitProxy } from './rabbitmq-proxy.ts';
import { startService, type ServiceSpec } from './services.ts';

export const SUPERVISOR = 'supervisor';

const SERVICES = ['command-api', 'projector', 'query-api', 'notifier'] as const;
type Supervised = DebeziumInstance | (typeof SERVICES)[number];

/**
 * Debezium Server exits when its broker or database goes away (and its lease holder with it), the
 * services may crash too. A restarted Debezium instance waits for the slot's lease: with a standby,
 * the other instance has usually taken it by then, and the restarted one becomes the standby.
 */
const supervised = (config: StackConfig): Supervised[] => [...debeziumInstanceNames(config), ...SERVICES];
const MAX_BACKOFF_MS = 30_000;

/**
 * With a cluster, its nodes and the proxy in front of them too: they need nothing else to start,
 * and a node that died rejoins its cluster at boot (its peers are up). A single node is not
 * restarted: without it the stack has no broker, and its death is the operator's to see.
 */
function supervisedPieces(config: StackConfig): { needNothing: string[]; needDependencies: string[] } {
  const nodes = rabbitClusterLayout(config);
  const broker = nodes.length > 1 ? [...nodes.map((n) => n.pidName), RABBITMQ_PROXY] : [];
  return { needNothing: broker, needDependencies: supervised(config) };
}

/**
 * Restarts a supervised piece that died without being stopped (its pid is recorded, its process
 * is gone) as soon as the database and the broker answer, waiting longer after each death in a
 * row (1 s, 2 s, 4 s ... 30 s) so a piece that keeps dying is not restarted in a tight loop.
 * Pieces stopped on purpose (their pid file removed by `npm stop` or `stopRecorded`) are left alone.
 */
export async function supervise(config: StackConfig, log: (line: string) => void, everyMs = 1_000): Promise<never> {
  const dirs = stackDirs(config.stackDir);
  const deaths = new Map<string, { count: number; nextTry: number }>();
  const pieces = supervisedPieces(config);
  for (;;) {
    const dead = pieces.needDependencies.filter((piece) => diedUnexpectedly(dirs, piece));
    // Restarting before the broker or database is back would only die again and grow the backoff.
    const dependenciesUp = dead.length > 0 && (await isPostgresReachable(config)) && (await isRabbitReachable(config));
    const restartable = [...pieces.needNothing.filter((piece) => diedUnexpectedly(dirs, piece)), ...(dependenciesUp ? dead : [])];
    for (const piece of restartable) {
      const death = deaths.get(piece) ?? { count: 0, nextTry: 0 };
      if (Date.now() < death.nextTry) continue;
      log(`${piece} died; restarting it (restart ${death.count + 1}); last lines:\n${tailLog(dirs, piece, 5)}`);
      restart(config, dirs, piece);
      death.count++;
      death.nextTry = Date.now() + Math.min(MAX_BACKOFF_MS, 1_000 * 2 ** (death.count - 1));
      deaths.set(piece, death);
    }
    // A piece up for a minute has recovered: its next death starts the backoff again.
    for (const [piece, death] of deaths) {
      if (runningPid(dirs, piece) !== undefined && Date.now() > death.nextTry + 60_000) deaths.delete(piece);
    }
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

function restart(config: StackConfig, dirs: StackDirs, piece: string) {
  // Not waited for: a node's boot takes seconds, and the other pieces are watched meanwhile.
  const inBackground = (start: Promise<void>) => void start.catch((err: unknown) => console.log(`${piece}: ${String(err)}`));
  if (piece === RABBITMQ_PROXY) return inBackground(startRabbitProxy(config, dirs));
  if (rabbitClusterLayout(config).some((n) => n.pidName === piece)) return inBackground(startRabbitNodes(config, dirs));
  const instance = debeziumInstanceNames(config).find((name) => name === piece);
  if (instance) {
    startDebeziumInstance(
      config,
      dirs,
      prepareDebezium(config, () => undefined),
      debeziumJavaHome(config),
      instance,
    );
    return;
  }
  startService(config, dirs, piece as ServiceSpec['name']);
}
