import { rmSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stackStatus } from '../../infra/src/native/pieces.ts';
import { runningPid, stackDirs, stopRecorded, tailLog } from '../../infra/src/native/processes.ts';
import { rabbitCli, runningNodes, stackQueueReplicas } from '../../infra/src/native/rabbitmq-cluster.ts';
import { rabbitClusterLayout, type RabbitNodeLayout } from '../../infra/src/native/rabbitmq-cluster-layout.ts';
import { startService } from '../../infra/src/native/services.ts';
import { startStack, stopStack } from '../../infra/src/native/stack.ts';
import { clusterStackConfig, withSettings } from '../../infra/src/stack-config.ts';
import { commandApi, connect, eventually, postJson } from '../support/clients.ts';
import { startWorkload } from '../support/steady-workload.ts';

/**
 * The native stack with RABBITMQ_NODES=3, on a stack of its own (not the test stack): one
 * cluster, every shard queue on every node, and a node killed under steady writes loses nothing.
 */
const config = clusterStackConfig();
const dirs = stackDirs(config.stackDir);
const nodes = rabbitClusterLayout(config);
const log = (line: string) => console.log(`[cluster] ${line}`);
const addressOf = (node: RabbitNodeLayout) => `${config.RABBITMQ_HOST}:${node.amqpPort}`;

async function projectorHealth(): Promise<{ rabbitmq: boolean; broker: string }> {
  const res = await fetch(`http://127.0.0.1:${config.PROJECTOR_PORT}/health`, { signal: AbortSignal.timeout(2_000) });
  return (await res.json()) as { rabbitmq: boolean; broker: string };
}

/** Milliseconds from `since` until `check` holds, polled every 100 ms. */
async function msUntil(since: number, check: () => Promise<boolean>, timeoutMs: number): Promise<number> {
  await eventually(async () => ((await check().catch(() => false)) ? true : undefined), timeoutMs);
  return Date.now() - since;
}

async function shardLeaders(): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  for (const q of await stackQueueReplicas(config)) {
    if (!q.name.endsWith('.dlq')) counts.set(q.leader, (counts.get(q.leader) ?? 0) + 1);
  }
  return counts;
}

/** The AMQP ports of the nodes Debezium's connections (through the proxy) reach, asked of `node`. */
async function debeziumNodePorts(node: RabbitNodeLayout): Promise<number[]> {
  const out = await rabbitCli(node, 'rabbitmqctl', ['list_connections', 'user', 'name', '--formatter', 'json', '--quiet']);
  const connections = JSON.parse(out) as { user: string; name: string }[];
  return connections.filter((c) => c.user === 'shop_debezium').map((c) => Number(/:(\d+)$/.exec(c.name)?.[1]));
}

async function createProducts(): Promise<number[]> {
  const ids: number[] = [];
  for (let i = 0; i < 6; i++) {
    const res = await postJson(`${commandApi(config)}/api/products`, {
      name: `Cluster ${i}`,
      category: 'c',
      price: 5 + i,
      stock: 1e6,
    });
    ids.push(res.body.productId as number);
  }
  return ids;
}

const missingOrders = async (read: pg.Client, ids: number[]) =>
  (
    await read.query<{ n: number }>('SELECT $2::int - count(*)::int AS n FROM read.orders WHERE order_id = ANY($1::int[])', [
      ids,
      ids.length,
    ])
  ).rows[0]!.n;

/**
 * Orders at 20/s; after 5 s, SIGKILL of `target`, then `afterKill`; an order placed just after the
 * kill (the time until it is read back is the pipeline's outage); the writes stop 15 s after the
 * kill, and every order answered 201 must be projected.
 */
async function killUnderWrites(target: RabbitNodeLayout, seed: number, afterKill: (killedAt: number) => Promise<void>) {
  const survivor = nodes.find((n) => n !== target)!;
  const read = await connect(config, config.READ_DB_NAME);
  try {
    const products = await createProducts();
    const workload = startWorkload(commandApi(config), products, seed, 20, log);
    await sleep(5_000);
    log(`killing ${target.erlangNode}; debezium publishes to the node on port ${(await debeziumNodePorts(survivor)).join(', ')}`);
    const killedAt = Date.now();
    process.kill(runningPid(dirs, target.pidName)!, 'SIGKILL');
    await afterKill(killedAt);
    const probe = await postJson(`${commandApi(config)}/api/orders`, {
      customerId: 1,
      items: [{ productId: products[0], quantity: 1 }],
    });
    expect(probe.status).toBe(201);
    const pipelineMs = await msUntil(
      killedAt,
      async () => (await missingOrders(read, [probe.body.orderId as number])) === 0,
      60_000,
    );
    await sleep(Math.max(0, killedAt + 15_000 - Date.now()));
    const stats = await workload.stop();
    log(
      `orders: ${JSON.stringify(stats.orders)}; debezium now publishes to port ${(await debeziumNodePorts(survivor)).join(', ')}`,
    );
    expect(stats.acknowledgedOrders.length).toBeGreaterThan(100);
    await msUntil(Date.now(), async () => (await missingOrders(read, stats.acknowledgedOrders)) === 0, 90_000).catch(async () => {
      throw new Error(`${await missingOrders(read, stats.acknowledgedOrders)} acknowledged orders never projected`);
    });
    const restarts = tailLog(dirs, 'supervisor', 200)
      .split('\n')
      .filter((line) => line.includes('died; restarting'));
    log(`the supervisor restarted so far: ${restarts.map((line) => line.replace(/^\S+ /, '')).join(' | ') || 'nothing'}`);
    return { pipelineMs };
  } finally {
    await read.end();
  }
}

/** Waits until `node` is running in the cluster again (the supervisor restarts it) with its queue members. */
async function rejoined(node: RabbitNodeLayout): Promise<number> {
  const survivor = nodes.find((n) => n !== node)!;
  const ms = await msUntil(Date.now(), async () => (await runningNodes(survivor))?.includes(node.erlangNode) === true, 120_000);
  for (const q of await stackQueueReplicas(config, survivor)) expect(q.members, q.name).toContain(node.erlangNode);
  return ms;
}

describe('RabbitMQ cluster (RABBITMQ_NODES=3)', () => {
  beforeAll(async () => {
    await stopStack(config);
    rmSync(config.stackDir, { recursive: true, force: true });
    await startStack(config, log, { supervise: true });
  }, 300_000);

  afterAll(async () => {
    await stopStack(config);
    rmSync(config.stackDir, { recursive: true, force: true });
  }, 120_000);

  it('runs three nodes as one cluster, each shard queue on all three with leaders spread, Debezium behind the proxy', async () => {
    expect((await runningNodes(nodes[0]!))?.sort()).toEqual(nodes.map((n) => n.erlangNode).sort());
    const queues = await stackQueueReplicas(config);
    expect(queues).toHaveLength(9);
    for (const q of queues) expect(q.members.sort(), q.name).toEqual(nodes.map((n) => n.erlangNode).sort());
    expect((await shardLeaders()).size).toBeGreaterThan(1);

    const status = await stackStatus(config);
    const byName = new Map(status.map((p) => [p.name, p]));
    for (const node of nodes) {
      expect(byName.get(node.pidName), node.pidName).toMatchObject({
        state: 'running',
        node: node.erlangNode,
        ports: [node.amqpPort],
      });
      expect(byName.get(node.pidName)?.role).toMatch(/^leads \d shard queues$/);
    }
    expect(byName.get('rabbitmq-proxy')).toMatchObject({ state: 'running', ports: [config.RABBITMQ_PORT + 1000] });
    expect(byName.get('projector')?.role).toMatch(/^consumes from 127\.0\.0\.1:/);
  });

  it('a node killed under steady writes: every acknowledged order is projected, the projector fails over, the node rejoins', async () => {
    const leaders = await shardLeaders();
    const target = [...nodes].sort((a, b) => (leaders.get(b.erlangNode) ?? 0) - (leaders.get(a.erlangNode) ?? 0))[0]!;
    const survivors = nodes.filter((n) => n !== target);
    log(`shard leaders ${JSON.stringify(Object.fromEntries(leaders))}; killing ${target.erlangNode}`);
    // The projector consumes from the node about to die: restarted with that node first in its list.
    await stopRecorded(dirs, 'projector');
    const addresses = [target, ...survivors].map(addressOf).join(',');
    startService(withSettings(config, { RABBITMQ_ADDRESSES: addresses }), dirs, 'projector');
    await msUntil(Date.now(), async () => (await projectorHealth()).broker === addressOf(target), 60_000);

    const { pipelineMs } = await killUnderWrites(target, 25, async (killedAt) => {
      const reconnectMs = await msUntil(
        killedAt,
        async () => {
          const health = await projectorHealth();
          return health.rabbitmq && survivors.map(addressOf).includes(health.broker);
        },
        30_000,
      );
      log(`projector on a surviving node ${reconnectMs} ms after the kill`);
    });
    log(`an order placed just after the kill was read back ${pipelineMs} ms after it`);

    // The supervisor restarts the node; it rejoins its cluster from its data folder.
    log(`${target.erlangNode} back in the cluster ${await rejoined(target)} ms after the writes stopped`);
  }, 240_000);

  it('the node Debezium publishes to killed: publishing resumes through the proxy, nothing lost, the node rejoins', async () => {
    const port = (await debeziumNodePorts(nodes[0]!))[0];
    const target = nodes.find((n) => n.amqpPort === port)!;
    expect(target, `debezium's node (port ${port})`).toBeDefined();
    const { pipelineMs } = await killUnderWrites(target, 26, async () => undefined);
    log(`debezium's node killed: an order placed just after was read back ${pipelineMs} ms after the kill`);
    expect((await debeziumNodePorts(nodes.find((n) => n !== target)!)).every((p) => p !== target.amqpPort)).toBe(true);
    log(`${target.erlangNode} back in the cluster ${await rejoined(target)} ms after the writes stopped`);
  }, 180_000);
});
