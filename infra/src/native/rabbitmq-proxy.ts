import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import { createConnection } from 'node:net';
import { join } from 'node:path';
import type { StackConfig } from '../stack-config.ts';
import { runningPid, spawnDetached, stopRecorded, type StackDirs } from './processes.ts';
import { haproxyConfig, isClustered, proxyPort, RABBITMQ_PROXY } from './rabbitmq-cluster-layout.ts';
import { systemUser } from './system-user.ts';
import { waitUntil } from './wait-until.ts';

export { RABBITMQ_PROXY };

export const HAPROXY = '/usr/sbin/haproxy';

/**
 * True when HAProxy is there, installed now (Debian's package, with apt-get, as
 * infra/bin/ensure-test-tools.sh installs what the tests need) when it was not and this runs as root.
 */
export function ensureHaproxy(): boolean {
  if (existsSync(HAPROXY)) return true;
  if (userInfo().uid !== 0 || spawnSync('sh', ['-c', 'command -v apt-get']).status !== 0) return false;
  const install = () =>
    spawnSync('apt-get', ['install', '-y', '--no-install-recommends', 'haproxy'], {
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
      stdio: 'ignore',
    }).status === 0;
  if (!install()) {
    spawnSync('apt-get', ['update', '-qq'], { stdio: 'ignore' });
    install();
  }
  return existsSync(HAPROXY);
}

export const proxyConfigFile = (config: StackConfig) => join(config.stackDir, RABBITMQ_PROXY, 'haproxy.cfg');

/**
 * HAProxy in front of the stack's broker nodes, for Debezium Server, whose RabbitMQ sink takes one
 * host: a node that stops answering is out within two seconds and its sessions are cut, so the
 * sink's reconnect lands on a live node. Runs in the foreground (-db) so its pid is the one
 * recorded, supervised and stopped like every other piece.
 */
export async function startRabbitProxy(config: StackConfig, dirs: StackDirs): Promise<void> {
  if (!isClustered(config) || runningPid(dirs, RABBITMQ_PROXY) !== undefined) return;
  const file = proxyConfigFile(config);
  mkdirSync(join(config.stackDir, RABBITMQ_PROXY), { recursive: true });
  writeFileSync(file, haproxyConfig(config));
  spawnDetached(dirs, {
    name: RABBITMQ_PROXY,
    command: HAPROXY,
    args: ['-db', '-f', file],
    cwd: config.stackDir,
    env: { PATH: process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin' },
    // Run as root, it runs as Debian's haproxy user: it needs no privilege (its port is above 1024).
    ...((userInfo().uid === 0 ? systemUser('haproxy') : undefined) ?? {}),
  });
  await waitUntil(RABBITMQ_PROXY, () => isListening(proxyPort(config)), {
    timeoutMs: 10_000,
    intervalMs: 100,
    abort: () => (runningPid(dirs, RABBITMQ_PROXY) === undefined ? 'process exited' : undefined),
  });
}

export const stopRabbitProxy = (dirs: StackDirs) => stopRecorded(dirs, RABBITMQ_PROXY);

function isListening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port }, () => {
      socket.destroy();
      resolve(true);
    });
    socket.on('error', () => resolve(false));
  });
}
