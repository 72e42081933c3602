import { join } from 'node:path';
import { childEnv, repoRoot, type StackConfig } from '../stack-config.ts';
import { runningPid, spawnDetached, type StackDirs } from './processes.ts';

export interface ServiceSpec {
  name: 'command-api' | 'projector' | 'query-api';
  healthUrl: string;
  publicUrl: string;
}

/** In start order: the command API migrates the write side (Debezium needs the outbox table), the projector the read side. */
export function serviceSpecs(config: StackConfig): ServiceSpec[] {
  const at = (port: number) => `http://127.0.0.1:${port}`;
  return [
    { name: 'command-api', healthUrl: `${at(config.COMMAND_API_PORT)}/health`, publicUrl: at(config.COMMAND_API_PORT) },
    { name: 'projector', healthUrl: `${at(config.PROJECTOR_PORT)}/health`, publicUrl: at(config.PROJECTOR_PORT) },
    { name: 'query-api', healthUrl: `${at(config.QUERY_API_PORT)}/health`, publicUrl: at(config.QUERY_API_PORT) },
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
    env: childEnv(config),
  });
}
