import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { ALL_SHARDS, shardQueueOf, type TopologyNames } from '@shop/shared/messaging';
import { eventually, postJson } from '../support/clients.ts';
import { startWorkload } from '../support/steady-workload.ts';
import type { ComposeProject } from './compose-cli.ts';
import { checkNothingLost, type Databases } from './nothing-lost.ts';

/**
 * The cluster phase of the compose test (`npm run test:compose -- --cluster`): docker-compose.yml
 * with docker-compose.cluster.yml, three RabbitMQ nodes behind HAProxy. Each shard queue has a
 * replica on every node and the leaders are spread; the node that leads the most shard queues is
 * killed under a steady write load and stays down while the pipeline drains: every order answered
 * 201 is projected, nothing is lost, and Debezium published through another node. Then the node
 * is started again and takes its replicas back.
 */
export const CLUSTER_FILES = ['docker-compose.yml', 'docker-compose.cluster.yml', 'tests/compose/build-on-host-network.yml'];

/** The cluster's nodes: compose service and RabbitMQ node name (infra/docker/rabbitmq-cluster/cluster.conf). */
const NODES = [
  { service: 'rabbitmq', node: 'rabbit@rabbitmq-1' },
  { service: 'rabbitmq-2', node: 'rabbit@rabbitmq-2' },
  { service: 'rabbitmq-3', node: 'rabbit@rabbitmq-3' },
] as const;
type Node = (typeof NODES)[number];

const LOAD_PER_SECOND = 20;
/** How long the load runs on two nodes before it stops and the pipeline must drain. */
const LOAD_AFTER_KILL_MS = 10_000;
const LEADERS_MOVED_TIMEOUT_MS = 60_000;
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
  const shards = ALL_SHARDS.map((shard) => shardQueueOf(names, shard));
  const placed = await eventually(async () => {
    const queues = shardReplicas(project, NODES[0], shards);
    return queues.every((q) => q.online.length === NODES.length) ? queues : undefined;
  }, 30_000);
  const victim = checkSpread(placed, log);

  const products = await loadProducts(api.command);
  const workload = startWorkload(api.command, products, 25, LOAD_PER_SECOND, log);
  let killed;
  let acknowledgedBeforeKill: number;
  try {
    await sleep(3_000);
    const debeziumBefore = project.states().get('debezium')!;
    acknowledgedBeforeKill = workload.stats.acknowledgedOrders.length;
    killed = project.kill(victim.service);
    const t0 = Date.now();
    log(`killed ${victim.service} (${victim.node}, docker kill) under ${LOAD_PER_SECOND} writes/s`);
    const survivor = NODES.find((n) => n !== victim)!;
    await eventually(async () => {
      const queues = shardReplicas(project, survivor, shards);
      return queues.every((q) => q.leader !== victim.node && q.online.includes(q.leader)) ? queues : undefined;
    }, LEADERS_MOVED_TIMEOUT_MS);
    log(`  every shard queue led by a live node after ${seconds(Date.now() - t0)}`);
    await sleep(LOAD_AFTER_KILL_MS);
    const debezium = await project.waitHealthy('debezium', 120_000);
    log(
      `  Debezium healthy (streaming) ${seconds(Date.now() - t0)} after the kill; restarted ${debezium.restarts - debeziumBefore.restarts} time(s) by the engine`,
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

  await rejoin(project, killed, victim, shards, log);
}

/** Every shard queue on all three nodes, each node leading some: returns the node leading the most. */
function checkSpread(queues: QueueReplicas[], log: Log): Node {
  const leading = new Map(NODES.map((n) => [n.node, queues.filter((q) => q.leader === n.node).length]));
  log(
    `shard queues: ${queues.length}, each with ${NODES.length} replicas online; leaders ${[...leading].map(([node, n]) => `${node} ${n}`).join(', ')}`,
  );
  assert.equal(queues.length, ALL_SHARDS.length);
  for (const q of queues) assert.deepEqual([...q.members].sort(), NODES.map((n) => n.node).sort(), `${q.name}'s replicas`);
  for (const [node, n] of leading) assert.ok(n > 0, `${node} leads no shard queue: the leaders are not spread`);
  return NODES.reduce((most, n) => (leading.get(n.node)! > leading.get(most.node)! ? n : most));
}

/** The killed node started again: healthy, and back as an online replica of every shard queue. */
async function rejoin(
  project: ComposeProject,
  killed: ReturnType<ComposeProject['kill']>,
  victim: Node,
  shards: string[],
  log: Log,
): Promise<void> {
  const t0 = Date.now();
  project.revive(killed);
  await project.waitHealthy(victim.service, REJOIN_TIMEOUT_MS);
  await eventually(async () => {
    const queues = shardReplicas(project, victim, shards);
    return queues.every((q) => q.online.includes(victim.node)) ? queues : undefined;
  }, REJOIN_TIMEOUT_MS);
  log(`${victim.service} started again: healthy and an online replica of every shard queue after ${seconds(Date.now() - t0)}`);
}

/** The shard queues' leader and replicas, as one node's `rabbitmqctl list_queues` reports them. */
function shardReplicas(project: ComposeProject, via: Node, shards: string[]): QueueReplicas[] {
  const out = project.exec(via.service, [
    'rabbitmqctl',
    '-q',
    'list_queues',
    'name',
    'leader',
    'members',
    'online',
    '--formatter',
    'json',
  ]);
  const all = JSON.parse(out) as QueueReplicas[];
  return all.filter((q) => shards.includes(q.name));
}

async function loadProducts(command: string): Promise<number[]> {
  const products: number[] = [];
  for (let i = 0; i < 6; i++) {
    const reply = await postJson(`${command}/api/products`, {
      name: `Cluster ${i}`,
      category: `cluster-${i % 3}`,
      price: 5 + i,
      stock: 1_000_000,
    });
    products.push(reply.body.productId as number);
  }
  return products;
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}
