import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { childEnv, repoRoot, type StackConfig } from '../../infra/src/stack-config.ts';
import { waitUntilProjected } from '../support/clients.ts';

/** The chaos stack's reconciler heals by itself; the test stack's only reports (RECONCILE_HEAL=false). */
export const selfHealing = (stack: StackConfig) => stack.RECONCILE_HEAL;

export interface ReconcileRun {
  /** Found missing by its first audit (null: it failed before saying). */
  found: number | null;
  /** Asked Debezium to publish again. */
  requested: number;
  /** Still missing when it ended (null: unknown). */
  missing: number | null;
}

/**
 * `npm run reconcile` (projector/src/cli/reconcile.ts) on the stack: audits now, asks Debezium to
 * publish the missing events again and waits up to `timeoutMs` for them; read from what it prints.
 */
export function runReconcile(stack: StackConfig, timeoutMs: number): Promise<ReconcileRun> {
  return new Promise((resolve) => {
    const entry = join(repoRoot, 'projector', 'src', 'cli', 'reconcile.ts');
    const child = spawn(process.execPath, ['--import', 'tsx', entry, '--timeout-ms', String(timeoutMs)], {
      env: childEnv(stack, 'projector'),
      cwd: repoRoot,
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.on('error', () => resolve({ found: null, requested: 0, missing: null }));
    child.on('exit', (code) => {
      const number = (re: RegExp) => (re.exec(out) ? Number(re.exec(out)![1]) : null);
      resolve({
        found: number(/^missing +(\d+)/m),
        requested: number(/asked Debezium to publish (\d+) event/) ?? 0,
        missing: code === 0 ? 0 : number(/PROBLEM: (\d+) event/),
      });
    });
  });
}

/**
 * On a stack whose reconciler only reports: once events lost a moment ago are older than the
 * grace period, what an operator does, `npm run reconcile`.
 */
export async function healOnDemand(stack: StackConfig, timeoutMs = 60_000): Promise<ReconcileRun> {
  await sleep(stack.RECONCILE_GRACE_MS + 1_500);
  return runReconcile(stack, timeoutMs);
}

export interface Settled {
  /** Until every outbox event was in the inbox; null if that did not happen in time. */
  drainedSeconds: number | null;
  /** sync-status `missing` at the end (null: unreadable). */
  missing: number | null;
  /** Events `npm run reconcile` asked Debezium for (stacks that do not heal by themselves). */
  healRequested: number;
}

/**
 * After the workload: waits until every outbox event is projected (waitUntilProjected), giving
 * the reconciler time to heal what the slot drop skipped: on a stack that does not heal by
 * itself, the on-demand heal runs between the drain checks. Then waits for sync-status `missing` 0.
 */
export async function drainAndHeal(stack: StackConfig, timeoutMs: number): Promise<Settled> {
  const started = Date.now();
  const deadline = started + timeoutMs;
  let healRequested = 0;
  let drained = false;
  while (!drained && Date.now() < deadline) {
    if (!selfHealing(stack) && Date.now() - started > 5_000) {
      healRequested += (await runReconcile(stack, 20_000)).requested;
    }
    drained = await waitUntilProjected(stack, Math.max(1_000, Math.min(5_000, deadline - Date.now()))).then(
      () => true,
      () => false,
    );
  }
  const drainedSeconds = drained ? Math.round((Date.now() - started) / 100) / 10 : null;
  let missing = await syncStatusMissing(stack);
  const missingDeadline = Date.now() + 30_000;
  while (missing !== 0 && Date.now() < missingDeadline) {
    await sleep(500);
    missing = await syncStatusMissing(stack);
  }
  return { drainedSeconds, missing, healRequested };
}

async function syncStatusMissing(stack: StackConfig): Promise<number | null> {
  try {
    const res = await fetch(`http://127.0.0.1:${stack.QUERY_API_PORT}/api/analytics/sync-status`, {
      signal: AbortSignal.timeout(5_000),
    });
    return ((await res.json()) as { missing: number | null }).missing;
  } catch {
    return null;
  }
}
