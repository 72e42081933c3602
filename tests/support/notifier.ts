import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { runningPid, spawnDetached, stackDirs, stopRecorded } from '../../infra/src/native/processes.ts';
import { startService } from '../../infra/src/native/services.ts';
import { childEnv, repoRoot, type StackConfig } from '../../infra/src/stack-config.ts';
import { eventually } from './clients.ts';

const NAME = 'notifier';
export const notifierUrl = (stack: StackConfig) => `http://127.0.0.1:${stack.NOTIFIER_PORT}`;

export interface NotifierHealth {
  status: string;
  mode: 'webhook' | 'table';
  rabbitmq: boolean;
  receiverPaused: boolean;
  shards: Record<string, { state: string; unsettled: number }>;
}

export async function notifierHealth(stack: StackConfig): Promise<NotifierHealth | undefined> {
  const res = await fetch(`${notifierUrl(stack)}/health`, { signal: AbortSignal.timeout(2_000) }).catch(() => undefined);
  return res?.ok ? ((await res.json()) as NotifierHealth) : undefined;
}

/** Waits until the notifier answers healthy and consumes from the broker. */
export const waitForNotifier = (stack: StackConfig, timeoutMs = 30_000) =>
  eventually(async () => ((await notifierHealth(stack))?.rabbitmq ? true : undefined), timeoutMs);

/**
 * Replaces the stack's notifier (recorded as `notifier`, so stopping the stack stops it) with one
 * run with `env` over the stack's settings: a webhook of the test's, short retry settings.
 */
export async function runNotifier(stack: StackConfig, env: Record<string, string>): Promise<void> {
  const dirs = stackDirs(stack.stackDir);
  await stopRecorded(dirs, NAME);
  const cwd = join(repoRoot, 'notifier');
  spawnDetached(dirs, {
    name: NAME,
    command: process.execPath,
    args: ['--import', 'tsx', join(cwd, 'src', 'main.ts')],
    cwd,
    env: { ...childEnv(stack, 'notifier'), ...env },
  });
  await waitForNotifier(stack);
}

/** SIGKILL: no shutdown, deliveries in hand are neither recorded nor acked. */
export function killNotifier(stack: StackConfig): void {
  const pid = runningPid(stackDirs(stack.stackDir), NAME);
  if (pid === undefined) throw new Error('the notifier is not running');
  process.kill(pid, 'SIGKILL');
}

/** The stack's own notifier again (table mode, the stack's settings). */
export async function restoreStackNotifier(stack: StackConfig): Promise<void> {
  const dirs = stackDirs(stack.stackDir);
  await stopRecorded(dirs, NAME);
  startService(stack, dirs, NAME);
  await waitForNotifier(stack);
}

/** `npm run notifier:dlq -- <args>` against the test stack, as the notifier's login. */
export async function notifierDlq(
  stack: StackConfig,
  args: string[],
  env: Record<string, string>,
): Promise<{ code: number; stdout: string; stderr: string }> {
  const entry = join(repoRoot, 'notifier', 'src', 'cli', 'dlq.ts');
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, ['--import', 'tsx', entry, ...args], {
      cwd: repoRoot,
      env: { ...childEnv(stack, 'notifier'), ...env },
    });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: e.code ?? 1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}
