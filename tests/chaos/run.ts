import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { deleteStackTopology } from '../../infra/src/native/rabbitmq.ts';
import { startStack, stopStack } from '../../infra/src/native/stack.ts';
import { chaosStackConfig, repoRoot } from '../../infra/src/stack-config.ts';
import { runChaos } from './chaos.ts';
import { printReport } from './report.ts';

const { values } = parseArgs({
  options: {
    duration: { type: 'string', default: '150' },
    faults: { type: 'string', default: '3' },
    seed: { type: 'string', default: String(Date.now() % 100_000) },
    rate: { type: 'string', default: '30' },
  },
});
const plan = {
  seconds: Number(values.duration),
  faultsPerKind: Number(values.faults),
  seed: Number(values.seed),
  rate: Number(values.rate),
};

async function main(): Promise<boolean> {
  const stack = chaosStackConfig();
  const log = (line: string) => console.log(line);
  log(
    `npm run chaos: ${plan.seconds} s of workload at ${plan.rate} requests/s, ${plan.faultsPerKind} faults of each kind, seed ${plan.seed}`,
  );
  await stopStack(stack);
  rmSync(stack.stackDir, { recursive: true, force: true });
  await deleteStackTopology(stack).catch(() => undefined);
  await startStack(stack, (line) => log(`[stack] ${line}`), { supervise: true });
  try {
    const started = new Date();
    const result = await runChaos(stack, plan, log);
    printReport(result, log);
    const dir = join(repoRoot, 'tests', 'chaos', 'results');
    mkdirSync(dir, { recursive: true });
    const file = join(dir, `${started.toISOString().replace(/[:.]/g, '-')}-seed${plan.seed}.json`);
    writeFileSync(file, `${JSON.stringify({ startedAt: started.toISOString(), ...result }, null, 2)}\n`);
    log(`\nresults: ${file}`);
    return result.passed;
  } finally {
    await stopStack(stack);
    await deleteStackTopology(stack).catch(() => undefined);
  }
}

main().then(
  (passed) => process.exit(passed ? 0 : 1),
  (err: unknown) => {
    console.error(`chaos run failed: ${err instanceof Error ? err.stack : String(err)}`);
    process.exit(1);
  },
);
