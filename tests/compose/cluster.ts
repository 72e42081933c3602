import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { type TopologyNames } from '@shop/shared/messaging';
import { readShardRouting, routedShardCount } from '@shop/shared/outbox';
import { eventually, postJson } from '../support/clients.ts';
import { startWorkload } from '../support/steady-workload.ts';
import type { ComposeProject, ContainerState } from './compose-cli.ts';
import { checkNothingLost, type Databases } from './nothing-lost.ts';

/**
 * The cluster phase of the compose test (`npm run test:compose -- --cluster`): docker-compose.yml
 * with docker-compose.cluster.yml, three RabbitMQ nodes behind HAProxy. Each shard queue has a
 * replica on every node and the leaders are spread; the node that leads the most shard queues is
 * killed under a steady write load and stays down while the pipeline drains: every order answered
 * 201 is projected, nothing is lost, and Debezium published through another node. Then the node
 * is started again and takes its replicas back.
 */
export const CLUSTER_FILES = [
  'docker-compose.yml',
  'docker-compose.cluster.yml',
  'tests/compose/build-on-host-network.yml',
  'tests/compose/build-cluster-on-host-network.yml',
];

/** The cluster's nodes: compose service and RabbitMQ node name (infra/docker/rabbitmq-cluster/cluster.conf). */
const NODES = [
  { service: 'rabbitmq', node: 'rabbit@rabbitmq-1' },
  { service: 'rabbitmq-2', node: 'rabbit@rabbitmq-2' },
  { service: 'rabbitmq-3', node: 'rabbit@rabbitmq-3' },
] as const;
type Node = (typeof NODES)[number];

const LOAD_PER_SECOND = 20;
/** How long the load runs on two nodes once every shard queue has a live leader. */
const LOAD_AFTER_FAILOVER_MS = 10_000;
const FAILOVER_TIMEOUT_MS = 60_000;
const DEBEZIUM_BACK_TIMEOUT_MS = 120_000;
const REJOIN_TIMEOUT_MS = 120_000;

interface QueueReplicas {
  name: string;
  leader: string;
  members: string[];
  online: string[];
}

type Log = (line: string) => void;

export async function nodeLossUnderLoad(
  project: ComposeProject,
  api: { command: string; query: string },
  dbs: Databases,
  names: TopologyNames,
  log: Log,
): Promise<void> {
  // The containers, looked up before the load: compose's own commands block this process.
  const containers = project.states();
  const replicas = (via: Node) => shardReplicas(project, containers.get(via.service)!, names);
  const placed = await eventually(async () => {
    const queues = await replicas(NODES[0]);
    return queues?.every((q) => q.online.length === NODES.length) ? queues : undefined;
  }, 30_000);
  const victim = checkSpread(placed, routedShardCount(await readShardRouting(dbs.write)), log);
  const survivor = NODES.find((n) => n !== victim)!;

  const products = await loadProducts(api.command);
  const workload = startWorkload(api.command, products, 25, LOAD_PER_SECOND, log);
  let acknowledgedBeforeKill = 0;
  try {
    await sleep(3_000);
    acknowledgedBeforeKill = workload.stats.acknowledgedOrders.length;
    project.kill(containers.get(victim.service)!);
    const t0 = Date.now();
    log(`killed ${victim.service} (${victim.node}, docker kill) under ${LOAD_PER_SECOND} writes/s`);
    await eventually(async () => {
      const queues = await replicas(survivor);
      return queues?.every((q) => q.leader !== victim.node && q.online.includes(q.leader)) ? queues : undefined;
    }, FAILOVER_TIMEOUT_MS);
    log(`  every shard queue led by a live node after ${seconds(Date.now() - t0)}`);
    await sleep(LOAD_AFTER_FAILOVER_MS);
    const before = containers.get('debezium')!;
    const debezium = await project.waitHealthy(before, DEBEZIUM_BACK_TIMEOUT_MS);
    log(
      `  Debezium streaming ${seconds(Date.now() - t0)} after the kill; restarted ${debezium.restarts - before.restarts} time(s) by the engine`,
    );
  } finally {
    await workload.stop();
  }
  const { orders, cancels, updates, acknowledgedOrders } = workload.stats;
  log(
    `  load: orders ${orders.ok} ok (${acknowledgedOrders.length - acknowledgedBeforeKill} after the kill) / ${orders.refused} refused / ${orders.failed} failed, cancels ${cancels.ok}, updates ${updates.ok}`,
  );
  log(`waiting until the pipeline drained on two nodes (${victim.service} still down), then checking nothing was lost`);
  await checkNothingLost(dbs, api, acknowledgedOrders, log);

  await rejoin(project, containers.get(victim.service)!, victim, names, log);
}

/** Every shard queue on all three nodes, each node leading some: returns the node leading the most. */
function checkSpread(queues: QueueReplicas[], shardCount: number, log: Log): Node {
  const leading = new Map(NODES.map((n) => [n.node, queues.filter((q) => q.leader === n.node).length]));
  log(
    `shard queues: ${queues.length}, each with ${NODES.length} replicas online; leaders ${[...leading].map(([node, n]) => `${node} ${n}`).join(', ')}`,
  );
  assert.equal(queues.length, shardCount);
  for (const q of queues) assert.deepEqual([...q.members].sort(), NODES.map((n) => n.node).sort(), `${q.name}'s replicas`);
  for (const [node, n] of leading) assert.ok(n > 0, `${node} leads no shard queue: the leaders are not spread`);
  return NODES.reduce((most, n) => (leading.get(n.node)! > leading.get(most.node)! ? n : most));
}

/** The killed node started again: healthy, and back as an online replica of every shard queue. */
async function rejoin(project: ComposeProject, container: ContainerState, victim: Node, names: TopologyNames, log: Log) {
  const t0 = Date.now();
  project.revive(container);
  await project.waitHealthy(container, REJOIN_TIMEOUT_MS);
  await eventually(async () => {
    const queues = await shardReplicas(project, container, names);
    return queues?.every((q) => q.online.includes(victim.node)) ? queues : undefined;
  }, REJOIN_TIMEOUT_MS);
  log(`${victim.service} started again: healthy and an online replica of every shard queue after ${seconds(Date.now() - t0)}`);
}

/**
 * The shard queues' leader and replicas, as one node's `rabbitmqctl list_queues` reports them;
 * undefined while that node cannot tell (starting, or electing leaders).
 */
async function shardReplicas(
  project: ComposeProject,
  node: ContainerState,
  names: TopologyNames,
): Promise<QueueReplicas[] | undefined> {
  // Every shard queue, whatever the count the outbox routes by.
  const shardQueue = new RegExp(`^${names.queue.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\.\\d+$`);
  const listQueues = ['rabbitmqctl', '-q', 'list_queues', 'name', 'leader', 'members', 'online', '--formatter', 'json'];
  const out = await project.execAsync(node, listQueues).catch(() => undefined);
  if (out === undefined) return undefined;
  return (JSON.parse(out) as QueueReplicas[]).filter((q) => shardQueue.test(q.name));
}

async function loadProducts(command: string): Promise<number[]> {
  const products: number[] = [];
  for (let i = 0; i < 6; i++) {
    const product = { name: `Cluster ${i}`, category: `cluster-${i % 3}`, price: 5 + i, stock: 1_000_000 };
    products.push((await postJson(`${command}/api/products`, product)).body.productId as number);
  }
  return products;
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}
