import type { StackConfig } from '../stack-config.ts';
import { debeziumInstanceNames, debeziumPorts } from './debezium-server.ts';
import { POSTGRES } from './postgres-cluster.ts';
import { diedUnexpectedly, logFile, runningPid, stackDirs, type StackDirs } from './processes.ts';
import { stackQueueReplicas } from './rabbitmq-cluster.ts';
import { isClustered, proxyPort, RABBITMQ, RABBITMQ_PROXY, rabbitClusterLayout } from './rabbitmq-cluster-layout.ts';
import { debeziumInstances } from './slot.ts';
import { SUPERVISOR } from './supervisor.ts';

/** One piece of the stack: a process it runs (or, external, one it only uses). */
export interface StackPiece {
  /** Its pid and log name. */
  name: string;
  ports: number[];
  /** The Erlang node name, for a broker node. */
  node?: string;
  /** Not run by this stack (a broker already running elsewhere). */
  external?: boolean;
  /** What it does now, asked of it while it runs (e.g. which broker node a projector consumes from). */
  role?: () => Promise<string | undefined>;
}

/**
 * Every piece of the stack, in start order: the list `npm run status` shows and `npm start`
 * checks for crashes. A piece added to the stack is added here.
 */
export function stackPieces(config: StackConfig): StackPiece[] {
  const nodes = rabbitClusterLayout(config);
  const leaders = once(() => shardLeaders(config));
  // Which instance holds the slot's lease and streams (unknown while the write database is down).
  const instances = once(() => debeziumInstances(config));
  const debeziumRole = async (name: string) => {
    const instance = (await instances()).find((i) => i.name === name);
    return instance && `${instance.role}${instance.since ? ` since ${instance.since.toISOString()}` : ''}`;
  };
  const broker: StackPiece[] =
    nodes.length > 0
      ? nodes.map((n) => ({
          name: n.pidName,
          ports: [n.amqpPort],
          node: n.erlangNode,
          ...(isClustered(config) ? { role: async () => `leads ${(await leaders()).get(n.erlangNode) ?? 0} shard queues` } : {}),
        }))
      : [{ name: RABBITMQ, ports: [config.RABBITMQ_PORT], external: true }];
  return [
    { name: POSTGRES, ports: [config.PG_PORT] },
    ...broker,
    ...(isClustered(config) ? [{ name: RABBITMQ_PROXY, ports: [proxyPort(config)] }] : []),
    { name: 'command-api', ports: [config.COMMAND_API_PORT] },
    { name: 'projector', ports: [config.PROJECTOR_PORT], role: () => projectorBroker(config.PROJECTOR_PORT) },
    { name: 'query-api', ports: [config.QUERY_API_PORT] },
    { name: 'notifier', ports: [config.NOTIFIER_PORT], role: () => notifierMode(config.NOTIFIER_PORT) },
    ...debeziumInstanceNames(config).map((name) => {
      const ports = debeziumPorts(config, name);
      return { name, ports: [ports.http, ports.metrics], role: () => debeziumRole(name) };
    }),
    { name: SUPERVISOR, ports: [] },
  ];
}

export type PieceState = 'running' | 'not running' | 'died' | 'external';

/** What `npm run status -- --json` prints for a piece. */
export interface PieceStatus {
  name: string;
  pid: number | null;
  state: PieceState;
  ports: number[];
  role?: string;
  node?: string;
  log?: string;
}

/**
 * A piece's state from its pid file: a stale one (process gone, never stopped) marks a crash.
 * Its role is asked while it runs; a piece that does not answer has none.
 */
export async function pieceStatus(dirs: StackDirs, piece: StackPiece): Promise<PieceStatus> {
  const node = piece.node ? { node: piece.node } : {};
  if (piece.external) return { name: piece.name, pid: null, state: 'external', ports: piece.ports, ...node };
  const pid = runningPid(dirs, piece.name);
  const state: PieceState = pid !== undefined ? 'running' : diedUnexpectedly(dirs, piece.name) ? 'died' : 'not running';
  const role = pid !== undefined ? await piece.role?.().catch(() => undefined) : undefined;
  return {
    name: piece.name,
    pid: pid ?? null,
    state,
    ports: piece.ports,
    ...(role ? { role } : {}),
    ...node,
    log: logFile(dirs, piece.name),
  };
}

/** Every piece's status, in the stack's order. */
export const stackStatus = (config: StackConfig) => {
  const dirs = stackDirs(config.stackDir);
  return Promise.all(stackPieces(config).map((piece) => pieceStatus(dirs, piece)));
};

const once = <T>(make: () => Promise<T>) => {
  let made: Promise<T> | undefined;
  return () => (made ??= make());
};

/** How many of the shard queues each node leads, asked of the first node that runs. */
async function shardLeaders(config: StackConfig): Promise<Map<string, number>> {
  const dirs = stackDirs(config.stackDir);
  const running = rabbitClusterLayout(config).find((n) => runningPid(dirs, n.pidName) !== undefined);
  if (!running) return new Map();
  const counts = new Map<string, number>();
  for (const queue of await stackQueueReplicas(config, running)) {
    if (!queue.name.endsWith('.dlq')) counts.set(queue.leader, (counts.get(queue.leader) ?? 0) + 1);
  }
  return counts;
}

/** The broker node the projector consumes from (its /health). */
async function projectorBroker(port: number): Promise<string | undefined> {
  const res = await fetch(`http://127.0.0.1:${port}/health`, { signal: AbortSignal.timeout(2_000) });
  const { broker, rabbitmq } = (await res.json()) as { broker?: string; rabbitmq?: boolean };
  return broker ? `${rabbitmq ? 'consumes from' : 'connecting to'} ${broker}` : undefined;
}

/** How the notifier delivers (webhook or table) and the broker node it consumes from (its /health). */
async function notifierMode(port: number): Promise<string | undefined> {
  try {
    const res = await fetch(`http://127.0.0.1:${port}/health`, { signal: AbortSignal.timeout(1_000) });
    const body = (await res.json()) as { mode?: string; broker?: string; receiverPaused?: boolean };
    if (!body.mode) return undefined;
    return `${body.mode}${body.receiverPaused ? ' (receiver down: paused)' : ''}${body.broker ? `, consumes from ${body.broker}` : ''}`;
  } catch {
    return undefined;
  }
}
