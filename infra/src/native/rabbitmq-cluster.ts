import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { StackConfig } from '../stack-config.ts';
import { rabbitClusterLayout, type RabbitNodeLayout } from './rabbitmq-cluster-layout.ts';
import { rabbitScript, rabbitUser } from './rabbitmq-node.ts';
import { waitUntil } from './wait-until.ts';

/**
 * One of RabbitMQ's CLI tools (rabbitmqctl, rabbitmq-queues) on one node of the stack, as the
 * node's user with the node's HOME, where the stack's Erlang cookie is.
 */
export async function rabbitCli(node: RabbitNodeLayout, tool: string, args: string[], timeoutMs = 60_000): Promise<string> {
  const { stdout } = await promisify(execFile)(rabbitScript(tool), ['-n', node.erlangNode, ...args], {
    cwd: node.dataDir,
    env: { PATH: process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin', HOME: node.dataDir, LANG: 'C.UTF-8' },
    timeout: timeoutMs,
    ...(rabbitUser() ?? {}),
  });
  return stdout;
}

const json = async <T>(node: RabbitNodeLayout, tool: string, args: string[]) =>
  JSON.parse(await rabbitCli(node, tool, [...args, '--formatter', 'json', '--quiet'])) as T;

/** The nodes `node` sees as running in its cluster; undefined when it does not answer. */
export async function runningNodes(node: RabbitNodeLayout): Promise<string[] | undefined> {
  try {
    return (await json<{ running_nodes: string[] }>(node, 'rabbitmqctl', ['cluster_status'])).running_nodes;
  } catch {
    return undefined;
  }
}

/**
 * Makes one cluster of the stack's nodes: a node that is not yet a member of node 1's joins it
 * (stop_app, join_cluster, start_app). A node that already is (the stack restarted from its data
 * folders) is left alone: it rejoined at boot. Then waits until node 1 sees every node running.
 */
export async function formCluster(config: StackConfig): Promise<void> {
  const [first, ...others] = rabbitClusterLayout(config);
  if (!first || others.length === 0) return;
  for (const node of others) {
    const running = await runningNodes(node);
    if (running?.includes(first.erlangNode)) continue;
    await rabbitCli(node, 'rabbitmqctl', ['stop_app']);
    await rabbitCli(node, 'rabbitmqctl', ['join_cluster', first.erlangNode]);
    await rabbitCli(node, 'rabbitmqctl', ['start_app']);
  }
  const all = rabbitClusterLayout(config).map((node) => node.erlangNode);
  await waitUntil(
    `every node of ${first.erlangNode}'s cluster running`,
    async () => {
      const running = await runningNodes(first);
      return running !== undefined && all.every((name) => running.includes(name));
    },
    { timeoutMs: 60_000, intervalMs: 500 },
  );
}

/** A text as a regular expression that matches exactly it. */
const escapeRegex = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

export interface QueueReplicas {
  name: string;
  leader: string;
  members: string[];
}

/**
 * The stack's shard queues and dead-letter queue (the projector's; with `withNotifier`, the
 * notifier's too), each with its leader and members, as node 1's cluster knows them.
 */
export async function stackQueueReplicas(
  config: StackConfig,
  node = rabbitClusterLayout(config)[0]!,
  withNotifier = false,
): Promise<QueueReplicas[]> {
  // Every shard queue (whatever the count the outbox routes by) and the dead-letter queue.
  const ours = new RegExp(stackQueuePattern(config, withNotifier));
  const queues = await json<QueueReplicas[]>(node, 'rabbitmqctl', [
    'list_queues',
    '-p',
    config.RABBITMQ_VHOST,
    'name',
    'leader',
    'members',
  ]);
  return queues.filter((q) => ours.test(q.name));
}

const stackQueuePattern = (config: StackConfig, withNotifier: boolean) =>
  withNotifier
    ? `^(${escapeRegex(config.PROJECTOR_QUEUE)}|${escapeRegex(config.NOTIFIER_QUEUE)})\\.(\\d+|dlq)$`
    : `^${escapeRegex(config.PROJECTOR_QUEUE)}\\.(\\d+|dlq)$`;

/**
 * Every queue of the stack on every node, leaders spread. A quorum queue declared on the whole
 * cluster has a member on every node already (3.10's default group size); one declared while
 * the stack had fewer nodes gets the missing members (rabbitmq-queues grow: no redeclare, whose
 * arguments would have to change, which RabbitMQ refuses). Then the leaders are spread over the
 * nodes (rabbitmq-queues rebalance), and this waits until every queue has every node.
 */
export async function replicateStackQueues(config: StackConfig): Promise<void> {
  const nodes = rabbitClusterLayout(config);
  const first = nodes[0];
  if (!first || nodes.length < 2) return;
  const patterns = [
    '--vhost-pattern',
    `^${escapeRegex(config.RABBITMQ_VHOST)}$`,
    '--queue-pattern',
    stackQueuePattern(config, true),
  ];
  // The notifier's queues too: each consumer's queues survive a node.
  const queues = await stackQueueReplicas(config, first, true);
  for (const node of nodes) {
    if (queues.every((q) => q.members.includes(node.erlangNode))) continue;
    await rabbitCli(first, 'rabbitmq-queues', ['grow', node.erlangNode, 'all', ...patterns]);
  }
  await waitUntil(
    `every queue on all ${nodes.length} nodes`,
    async () => (await stackQueueReplicas(config, first, true)).every((q) => q.members.length === nodes.length),
    { timeoutMs: 60_000, intervalMs: 500 },
  );
  await rabbitCli(first, 'rabbitmq-queues', ['rebalance', 'quorum', ...patterns]);
}
