import { execFile } from 'node:child_process';
import { appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { childEnv, repoRoot, type StackConfig } from '../stack-config.ts';
import { logFile, runningPid, spawnDetached, type StackDirs } from './processes.ts';

export interface ServiceSpec {
  name: 'command-api' | 'projector' | 'query-api' | 'notifier';
  healthUrl: string;
  publicUrl: string;
}

/**
 * In start order: the projector migrates the read side (the write side is migrated before, see
 * migrateWriteSide), the notifier its own schema in it.
 */
export function serviceSpecs(config: StackConfig): ServiceSpec[] {
  const at = (port: number) => `http://127.0.0.1:${port}`;
  return [
    { name: 'command-api', healthUrl: `${at(config.COMMAND_API_PORT)}/health`, publicUrl: at(config.COMMAND_API_PORT) },
    { name: 'projector', healthUrl: `${at(config.PROJECTOR_PORT)}/health`, publicUrl: at(config.PROJECTOR_PORT) },
    { name: 'query-api', healthUrl: `${at(config.QUERY_API_PORT)}/health`, publicUrl: at(config.QUERY_API_PORT) },
    { name: 'notifier', healthUrl: `${at(config.NOTIFIER_PORT)}/health`, publicUrl: at(config.NOTIFIER_PORT) },
  ];
}

/** Runs the service's TypeScript entry with tsx loaded into node itself: one process, one pid. */
export function startService(config: StackConfig, dirs: StackDirs, name: ServiceSpec['name']): void {
  if (runningPid(dirs, name) !== undefined) return;
  const cwd = join(repoRoot, name);
  spawnDetached(dirs, {
    name,
    command: process.execPath,
    args: ['--import', 'tsx', join(cwd, 'src', 'main.ts')],
    cwd,
    env: childEnv(config, name),
  });
}

/**
 * The write side's migrations, publication and offsets table, as its owner (command-api/src/migrate.ts),
 * before the command API and Debezium start; its output is appended to logs/migrate-write.log.
 */
export async function migrateWriteSide(config: StackConfig, dirs: StackDirs): Promise<void> {
  const cwd = join(repoRoot, 'command-api');
  const args = ['--import', 'tsx', join(cwd, 'src', 'migrate.ts')];
  try {
    const { stdout } = await promisify(execFile)(process.execPath, args, { cwd, env: childEnv(config, 'owner') });
    appendFileSync(logFile(dirs, 'migrate-write'), stdout);
  } catch (err) {
    const output = `${(err as { stdout?: string }).stdout ?? ''}${(err as { stderr?: string }).stderr ?? ''}`;
    appendFileSync(logFile(dirs, 'migrate-write'), output);
    throw new Error(`migrating the write side failed:\n${output.trim().split('\n').slice(-10).join('\n')}`);
  }
}
