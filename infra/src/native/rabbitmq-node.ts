import { chmodSync, chownSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { userInfo } from 'node:os';
import { isRabbitNodeReachable } from './rabbitmq.ts';
import { recordPid, runningPid, spawnDetached, stopRecorded, type StackDirs } from './processes.ts';
import { brokerDefinitions, MAX_MESSAGE_BYTES } from '@shop/shared/messaging';
import { brokerPasswords, type StackConfig } from '../stack-config.ts';
import { isClustered, RABBITMQ, rabbitClusterLayout, type RabbitNodeLayout } from './rabbitmq-cluster-layout.ts';
import { systemUser } from './system-user.ts';
import { waitUntil } from './wait-until.ts';

export { RABBITMQ };

/**
 * RabbitMQ's own scripts, run directly: Debian's wrappers in /usr/sbin switch to the rabbitmq user
 * with su, which resets HOME to /var/lib/rabbitmq, and the node would take the system broker's
 * Erlang cookie instead of the stack's (in its HOME).
 */
export const rabbitScript = (name: string) =>
  existsSync(`/usr/lib/rabbitmq/bin/${name}`) ? `/usr/lib/rabbitmq/bin/${name}` : name;

/** Run as root, the nodes and their CLI run as the rabbitmq user, which owns their folders. */
export function rabbitUser(): { uid: number; gid: number } | undefined {
  return userInfo().uid === 0 ? systemUser('rabbitmq') : undefined;
}

/**
 * The stack's broker nodes (when RABBITMQ_PRIVATE_NODE names one; RABBITMQ_NODES of them), each
 * with its own data folder, AMQP port and Erlang distribution port (rabbitmq-cluster-layout.ts),
 * so tests can restart their broker without touching the system one. All are started before any is
 * waited for: a node of an existing cluster waits at boot for the peers it last ran with.
 *
 * Their users are the stack's, one per component (shared/src/messaging/broker-users.ts), imported
 * from a definitions file at every boot, so a changed password takes effect when the node
 * restarts; there is no guest. Messages above MAX_MESSAGE_BYTES are refused.
 */
export async function startRabbitNodes(config: StackConfig, dirs: StackDirs): Promise<void> {
  const starting = rabbitClusterLayout(config).filter((node) => runningPid(dirs, node.pidName) === undefined);
  for (const node of starting) spawnRabbitNode(config, dirs, node);
  await Promise.all(starting.map((node) => recordWhenUp(config, dirs, node)));
}

function spawnRabbitNode(config: StackConfig, dirs: StackDirs, node: RabbitNodeLayout): void {
  const base = node.dataDir;
  writeNodeFiles(config, node);
  // A pid file from an earlier boot would be taken for this one's.
  rmSync(join(base, 'pid'), { force: true });
  const owner = rabbitUser();
  spawnDetached(dirs, {
    name: node.pidName,
    command: rabbitScript('rabbitmq-server'),
    args: [],
    cwd: base,
    ...(owner ?? {}),
    env: {
      PATH: process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin',
      HOME: base,
      RABBITMQ_NODENAME: node.erlangNode,
      RABBITMQ_NODE_PORT: String(node.amqpPort),
      RABBITMQ_DIST_PORT: String(node.distPort),
      RABBITMQ_MNESIA_BASE: join(base, 'mnesia'),
      RABBITMQ_LOG_BASE: join(base, 'log'),
      RABBITMQ_CONFIG_FILE: join(base, 'rabbitmq'),
      RABBITMQ_ENABLED_PLUGINS_FILE: join(base, 'enabled_plugins'),
      RABBITMQ_PID_FILE: join(base, 'pid'),
    },
  });
}

/**
 * The recorded script hands over to the Erlang VM and may be gone (or a zombie) early: wait on
 * the broker itself, then record the VM's own pid, which is what stopping must signal.
 */
async function recordWhenUp(config: StackConfig, dirs: StackDirs, node: RabbitNodeLayout): Promise<void> {
  const pidFile = join(node.dataDir, 'pid');
  // A node of a cluster waits for its peers at boot (at most 5 min), which may still be booting.
  await waitUntil(node.pidName, () => isRabbitNodeReachable(config, node.amqpPort), {
    timeoutMs: 180_000,
    intervalMs: 300,
    abort: () => (runningPid(dirs, node.pidName) === undefined ? `${node.pidName} exited while booting` : undefined),
  });
  recordPid(dirs, node.pidName, Number(readFileSync(pidFile, 'utf8').trim()));
}

/**
 * Partitions heal by themselves (autoheal): once the nodes see each other again, the side with
 * fewer clients restarts and rejoins. pause_minority, the usual advice for three nodes, left this
 * cluster split for good after a node was paused (SIGSTOP, as a stalled VM) for longer than
 * net_ticktime and resumed: each side recorded the other as partitioned and nothing restarted
 * (seen here with RabbitMQ 3.10). The data is in quorum queues, whose Raft majority decides what is
 * committed whatever the partition handling; autoheal decides only who serves metadata. The nodes
 * share one host, so a peer that stops answering is declared down after 15-20 s (net_ticktime 15)
 * instead of 45-75 s (the default 60, right for nodes on several machines, docs/scaling.md).
 */
const CLUSTER_CONF = ['cluster_partition_handling = autoheal', 'net_ticktime = 15'];

function writeNodeFiles(config: StackConfig, node: RabbitNodeLayout): void {
  const base = node.dataDir;
  mkdirSync(join(base, 'mnesia'), { recursive: true });
  mkdirSync(join(base, 'log'), { recursive: true });
  writeFileSync(join(base, 'enabled_plugins'), '[].\n');
  const names = {
    exchange: config.EVENTS_EXCHANGE,
    queue: config.PROJECTOR_QUEUE,
    notifierQueue: config.NOTIFIER_QUEUE,
    topicPrefix: config.DEBEZIUM_TOPIC_PREFIX,
    vhost: config.RABBITMQ_VHOST,
  };
  // Password hashes only, readable by the broker's user alone.
  writeFileSync(join(base, 'definitions.json'), JSON.stringify(brokerDefinitions(names, brokerPasswords(config)), null, 2), {
    mode: 0o600,
  });
  writeFileSync(
    join(base, 'rabbitmq.conf'),
    [
      `listeners.tcp.default = 127.0.0.1:${node.amqpPort}`,
      `load_definitions = ${join(base, 'definitions.json')}`,
      `max_message_size = ${MAX_MESSAGE_BYTES}`,
      ...(isClustered(config) ? CLUSTER_CONF : []),
      '',
    ].join('\n'),
  );
  writeCookie(base, config.RABBITMQ_ERLANG_COOKIE);
  const owner = rabbitUser();
  if (owner) chownTree(base, owner);
}

/** The stack's Erlang cookie, the same in every node's HOME; Erlang refuses one others can read. */
function writeCookie(base: string, cookie: string): void {
  const file = join(base, '.erlang.cookie');
  if (existsSync(file) && readFileSync(file, 'utf8') === cookie) return;
  if (existsSync(file)) chmodSync(file, 0o600);
  writeFileSync(file, cookie, { mode: 0o400 });
  chmodSync(file, 0o400);
}

/** Every node, the last first, so node 1 is the last to stop and may boot first next time. */
export async function stopRabbitNodes(config: StackConfig, dirs: StackDirs): Promise<string[]> {
  const stopped: string[] = [];
  const nodes = rabbitClusterLayout({ ...config, RABBITMQ_NODES: Math.max(config.RABBITMQ_NODES, recordedNodes(dirs)) });
  for (const node of nodes.reverse()) {
    if (await stopRecorded(dirs, node.pidName, 'SIGTERM', 30_000)) stopped.push(node.pidName);
  }
  return stopped;
}

/** How many nodes have a pid file (a stack stopped after its RABBITMQ_NODES was lowered still stops them all). */
function recordedNodes(dirs: StackDirs): number {
  let n = 1;
  while (n < 5 && existsSync(join(dirs.pids, `${RABBITMQ}-${n + 1}.pid`))) n++;
  return n;
}

function chownTree(dir: string, owner: { uid: number; gid: number }) {
  const files = ['enabled_plugins', 'rabbitmq.conf', 'definitions.json', '.erlang.cookie'];
  for (const path of [dir, join(dir, 'mnesia'), join(dir, 'log'), ...files.map((file) => join(dir, file))]) {
    chownSync(path, owner.uid, owner.gid);
  }
}

/** Starts the stack's nodes that are not running (tests restart their broker with it). */
export const startRabbitNode = startRabbitNodes;

/** Stops node 1 alone (the whole broker of a single-node stack). */
export const stopRabbitNode = (dirs: StackDirs) => stopRecorded(dirs, RABBITMQ, 'SIGTERM', 30_000);
