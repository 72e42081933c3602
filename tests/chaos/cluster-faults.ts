import { setTimeout as sleep } from 'node:timers/promises';
import { debeziumJvmPid } from '../../infra/src/native/debezium-server.ts';
import { runningPid, stackDirs, stopRecorded } from '../../infra/src/native/processes.ts';
import { rabbitClusterLayout, type RabbitNodeLayout } from '../../infra/src/native/rabbitmq-cluster-layout.ts';
import { rabbitCli, runningNodes, stackQueueReplicas } from '../../infra/src/native/rabbitmq-cluster.ts';
import { startRabbitNodes, stopRabbitNodes } from '../../infra/src/native/rabbitmq-node.ts';
import { debeziumInstances } from '../../infra/src/native/slot.ts';
import { waitUntil } from '../../infra/src/native/wait-until.ts';
import type { StackConfig } from '../../infra/src/stack-config.ts';
import type { FaultContext } from './fault-context.ts';
import type { LagSample } from './lag-monitor.ts';

/**
 * Faults of a clustered stack (RABBITMQ_NODES=3, DEBEZIUM_STANDBY=true): `npm run chaos -- --cluster`.
 * Each returns, in a line, what it did and how long the pipeline took to carry new events again
 * while the fault was still in force (the schedule then measures the recovery after it ended).
 */
export const CLUSTER_FAULT_KINDS = [
  'kill-leading-node',
  'pause-node',
  'partition-node',
  'kill-active-debezium',
  'restart-cluster',
] as const;
export type ClusterFaultKind = (typeof CLUSTER_FAULT_KINDS)[number];

/**
 * Longer than the cluster's failure detection (net_ticktime 15 s on the native cluster: a node is
 * declared down after 15-20 s without an answer), so the others see the node as gone and, once it
 * resumes, a partition that autoheal must heal.
 */
export const NODE_PAUSE_MS = 25_000;
/** How long a node stays cut off from the others. */
export const PARTITION_MS = 25_000;
const CAUGHT_UP_TIMEOUT_MS = 90_000;
/** A fault that has not put the pipeline a second behind within this long did not hold it up. */
const NO_LAG_WINDOW_MS = 10_000;

export async function injectClusterFault(ctx: FaultContext, kind: ClusterFaultKind): Promise<string> {
  switch (kind) {
    case 'kill-leading-node':
      return killLeadingNode(ctx);
    case 'pause-node':
      return pauseNode(ctx);
    case 'partition-node':
      return partitionNode(ctx);
    case 'kill-active-debezium':
      return killActiveDebezium(ctx);
    case 'restart-cluster':
      return restartCluster(ctx);
  }
}

/**
 * SIGKILL of the node leading the most shard queues. The stack's supervisor starts it again at
 * once (as systemd or Kubernetes would), and it rejoins the cluster from its data folder.
 */
async function killLeadingNode(ctx: FaultContext): Promise<string> {
  const { stack } = ctx;
  const { node, leads } = await mostLeadingNode(stack);
  const killedAt = Date.now();
  process.kill(nodePid(stack, node), 'SIGKILL');
  const caughtUp = await secondsUntilCaughtUp(ctx.samples, killedAt);
  await waitUntilClustered(stack);
  return `${node.erlangNode} (leading ${leads} of the shard queues) killed; pipeline caught up ${caughtUp} s after the kill; the node back in the cluster ${seconds(killedAt)} s after it`;
}

/** SIGSTOP of one node (drawn from the seed) for longer than the cluster's failure detection, then SIGCONT. */
async function pauseNode(ctx: FaultContext): Promise<string> {
  const { stack } = ctx;
  const nodes = rabbitClusterLayout(stack);
  const node = nodes[ctx.rnd.int(0, nodes.length - 1)]!;
  const pid = nodePid(stack, node);
  const pausedAt = Date.now();
  process.kill(pid, 'SIGSTOP');
  let caughtUp: number | string;
  try {
    caughtUp = await secondsUntilCaughtUp(ctx.samples, pausedAt, NODE_PAUSE_MS).catch(() => 'not');
    await sleep(Math.max(0, pausedAt + NODE_PAUSE_MS - Date.now()));
  } finally {
    process.kill(pid, 'SIGCONT');
  }
  const resumedAt = Date.now();
  await waitUntilClustered(stack);
  return `${node.erlangNode} paused ${NODE_PAUSE_MS / 1000} s; caught up ${caughtUp === 'not' ? 'only after it resumed' : `in ${caughtUp} s while paused`}; cluster whole ${seconds(resumedAt)} s after it resumed`;
}

/**
 * One node (drawn from the seed) cut off from the others at the Erlang distribution: it accepts
 * and makes no connection to any node but itself (net_kernel:allow), while clients still reach it;
 * the quorum queues' members on the other two go on as a majority. The allow list cannot be
 * widened to the CLI's ever-new node names, so the partition is healed by restarting the node.
 */
async function partitionNode(ctx: FaultContext): Promise<string> {
  const { stack } = ctx;
  const nodes = rabbitClusterLayout(stack);
  const node = nodes[ctx.rnd.int(0, nodes.length - 1)]!;
  const cutAt = Date.now();
  await rabbitCli(node, 'rabbitmqctl', [
    'eval',
    `net_kernel:allow([node()]), [erlang:disconnect_node(N) || N <- nodes()], ok.`,
  ]).catch(() => undefined); // the CLI's own connection is cut too: its answer may be lost
  const caughtUp = await secondsUntilCaughtUp(ctx.samples, cutAt, PARTITION_MS).catch(() => 'not');
  await sleep(Math.max(0, cutAt + PARTITION_MS - Date.now()));
  const dirs = stackDirs(stack.stackDir);
  await stopRecorded(dirs, node.pidName, 'SIGTERM', 30_000);
  const back = await restartNodes(stack);
  return `${node.erlangNode} partitioned from the others ${PARTITION_MS / 1000} s; caught up ${caughtUp === 'not' ? 'only after the heal' : `in ${caughtUp} s while cut off`}; healed (restarted) and back in ${back} s`;
}

/** SIGKILL of the active Debezium: its JVM or (drawn from the seed) its lease holder. */
async function killActiveDebezium(ctx: FaultContext): Promise<string> {
  const { stack } = ctx;
  const active = (await debeziumInstances(stack)).find((i) => i.role === 'active');
  if (!active?.pid) throw new Error('no active Debezium instance before the fault');
  const holder = ctx.rnd.next() < 0.5;
  const target = holder ? active.pid : debeziumJvmPid(active.pid);
  if (target === undefined) throw new Error(`${active.name} has no JVM`);
  const killedAt = Date.now();
  process.kill(target, 'SIGKILL');
  let takenOverBy = '';
  await waitUntil(
    'another Debezium instance active',
    async () => {
      const now = (await debeziumInstances(stack).catch(() => [])).find((i) => i.role === 'active');
      takenOverBy = now && now.name !== active.name ? now.name : '';
      return takenOverBy !== '';
    },
    { timeoutMs: 120_000, intervalMs: 100 },
  );
  const takeover = seconds(killedAt);
  const caughtUp = await secondsUntilCaughtUp(ctx.samples, killedAt);
  return `${active.name}'s ${holder ? 'lease holder' : 'JVM'} killed; ${takenOverBy} streaming after ${takeover} s, caught up after ${caughtUp} s`;
}

/** Every node stopped (SIGTERM, as a host reboot does), then all started again. */
async function restartCluster(ctx: FaultContext): Promise<string> {
  const { stack } = ctx;
  const dirs = stackDirs(stack.stackDir);
  const stoppedAt = Date.now();
  await stopRabbitNodes(stack, dirs);
  const down = seconds(stoppedAt);
  const startedAt = Date.now();
  await startRabbitNodes(stack, dirs);
  await waitUntilClustered(stack);
  return `all ${rabbitClusterLayout(stack).length} nodes stopped in ${down} s and started again; cluster whole after ${seconds(startedAt)} s`;
}

async function mostLeadingNode(stack: StackConfig): Promise<{ node: RabbitNodeLayout; leads: number }> {
  const nodes = rabbitClusterLayout(stack);
  const replicas = await stackQueueReplicas(stack, firstRunning(stack));
  const leads = (node: RabbitNodeLayout) =>
    replicas.filter((q) => !q.name.endsWith('.dlq') && q.leader === node.erlangNode).length;
  const node = nodes.reduce((best, n) => (leads(n) > leads(best) ? n : best));
  return { node, leads: leads(node) };
}

function firstRunning(stack: StackConfig): RabbitNodeLayout {
  const dirs = stackDirs(stack.stackDir);
  const node = rabbitClusterLayout(stack).find((n) => runningPid(dirs, n.pidName) !== undefined);
  if (!node) throw new Error('no broker node runs');
  return node;
}

function nodePid(stack: StackConfig, node: RabbitNodeLayout): number {
  const pid = runningPid(stackDirs(stack.stackDir), node.pidName);
  if (pid === undefined) throw new Error(`${node.pidName} is not running before the fault`);
  return pid;
}

/** Starts the nodes that are not running and waits until each is back in the cluster; seconds it took. */
async function restartNodes(stack: StackConfig): Promise<number> {
  const startedAt = Date.now();
  await startRabbitNodes(stack, stackDirs(stack.stackDir));
  await waitUntilClustered(stack);
  return seconds(startedAt);
}

async function waitUntilClustered(stack: StackConfig): Promise<void> {
  const all = rabbitClusterLayout(stack).map((n) => n.erlangNode);
  await waitUntil(
    'every broker node running in one cluster',
    async () => {
      const seen = await runningNodes(firstRunning(stack));
      return seen !== undefined && all.every((name) => seen.includes(name));
    },
    { timeoutMs: 180_000, intervalMs: 500 },
  );
}

/**
 * Seconds from `since` until the pipeline is caught up again: the run's lag monitor saw the oldest
 * pending event more than a second old after `since`, and then at most a second old. 0 when it
 * never fell that far behind within NO_LAG_WINDOW_MS.
 */
async function secondsUntilCaughtUp(
  samples: readonly LagSample[],
  since: number,
  timeoutMs = CAUGHT_UP_TIMEOUT_MS,
): Promise<number> {
  let fellBehind = false;
  let never = false;
  let read = samples.findIndex((s) => s.at > since);
  if (read < 0) read = samples.length;
  await waitUntil(
    'pipeline caught up',
    async () => {
      for (; read < samples.length; read++) {
        const { lagSeconds } = samples[read]!;
        if (lagSeconds > 1) fellBehind = true;
        if (fellBehind && lagSeconds <= 1) return true;
      }
      never = !fellBehind && Date.now() - since > NO_LAG_WINDOW_MS;
      return never;
    },
    { timeoutMs, intervalMs: 250 },
  );
  return never ? 0 : seconds(since);
}

const seconds = (since: number) => Math.round((Date.now() - since) / 100) / 10;
