import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { deleteStackTopology } from '../../infra/src/native/rabbitmq.ts';
import { startStack, stopStack } from '../../infra/src/native/stack.ts';
import { chaosStackConfig, repoRoot, withSettings } from '../../infra/src/stack-config.ts';
import { runChaos, type ChaosPlan } from './chaos.ts';
import { CLUSTER_FAULT_KINDS } from './cluster-faults.ts';
import { FAULT_KINDS } from './faults.ts';
import type { WebhookReceiver } from '../support/webhook-receiver.ts';
import { chaosNotifierSettings, startChaosReceiver } from './notifier-check.ts';
import { printReport } from './report.ts';

const { values } = parseArgs({
  options: {
    // A clustered stack (three broker nodes, a standby Debezium) and the faults of a cluster.
    cluster: { type: 'boolean', default: false },
    duration: { type: 'string' },
    faults: { type: 'string' },
    seed: { type: 'string', default: String(Date.now() % 100_000) },
    rate: { type: 'string', default: '30' },
  },
});
// The cluster's faults each last 15-40 s (a node down, paused or cut off, a Debezium take-over):
// fewer of them, over a longer run.
const plan: ChaosPlan = {
  seconds: Number(values.duration ?? (values.cluster ? 240 : 150)),
  faultsPerKind: Number(values.faults ?? (values.cluster ? 1 : 3)),
  seed: Number(values.seed),
  rate: Number(values.rate),
  kinds: values.cluster ? CLUSTER_FAULT_KINDS : FAULT_KINDS,
};

/**
 * The stack a run breaks: the chaos stack, its notifier POSTing to the run's receiver (its settings
 * are the stack's, so the supervisor restarts it with them), with `--cluster` on three broker nodes
 * and with a standby Debezium.
 */
const chaosStack = (receiver: WebhookReceiver) =>
  withSettings(chaosStackConfig(), {
    ...chaosNotifierSettings(receiver),
    ...(values.cluster ? { RABBITMQ_NODES: '3', DEBEZIUM_STANDBY: 'true' } : {}),
  });

async function main(): Promise<boolean> {
  // Its port is the kernel's choice: it lives in this process, as long as the run.
  const receiver = await startChaosReceiver(plan.seed);
  const stack = chaosStack(receiver);
  const log = (line: string) => console.log(line);
  log(
    `npm run chaos${values.cluster ? ' -- --cluster' : ''}: ${plan.seconds} s of workload at ${plan.rate} requests/s, ${plan.faultsPerKind} faults of each kind (${plan.kinds!.join(', ')}), seed ${plan.seed}`,
  );
  await stopStack(stack);
  rmSync(stack.stackDir, { recursive: true, force: true });
  await deleteStackTopology(stack).catch(() => undefined);
  await startStack(stack, (line) => log(`[stack] ${line}`), { supervise: true });
  try {
    const started = new Date();
    const result = await runChaos(stack, plan, log, receiver);
    printReport(result, log);
    const dir = join(repoRoot, 'tests', 'chaos', 'results');
    mkdirSync(dir, { recursive: true });
    const file = join(
      dir,
      `${started.toISOString().replace(/[:.]/g, '-')}${values.cluster ? '-cluster' : ''}-seed${plan.seed}.json`,
    );
    writeFileSync(file, `${JSON.stringify({ startedAt: started.toISOString(), ...result }, null, 2)}\n`);
    log(`\nresults: ${file}`);
    return result.passed;
  } finally {
    await stopStack(stack);
    await deleteStackTopology(stack).catch(() => undefined);
    await receiver.close();
  }
}

main().then(
  (passed) => process.exit(passed ? 0 : 1),
  (err: unknown) => {
    console.error(`chaos run failed: ${err instanceof Error ? err.stack : String(err)}`);
    process.exit(1);
  },
);
