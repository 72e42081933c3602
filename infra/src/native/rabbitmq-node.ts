import { chownSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { userInfo } from 'node:os';
import { isRabbitReachable } from './rabbitmq.ts';
import { recordPid, runningPid, spawnDetached, stopRecorded, type StackDirs } from './processes.ts';
import { brokerDefinitions, MAX_MESSAGE_BYTES } from '@shop/shared/messaging';
import { brokerPasswords, type StackConfig } from '../stack-config.ts';
import { systemUser } from './system-user.ts';
import { waitUntil } from './wait-until.ts';

export const RABBITMQ = 'rabbitmq';

/**
 * A RabbitMQ node of the stack's own (when RABBITMQ_PRIVATE_NODE names one): its own data
 * folder, AMQP port and Erlang distribution port, so tests can restart their broker without
 * touching the system one. `rabbitmq-server` run as root switches to the rabbitmq user, which
 * must own the folders.
 *
 * Its users are the stack's, one per component (shared/src/messaging/broker-users.ts), imported
 * from a definitions file at every boot, so a changed password takes effect when the node
 * restarts; there is no guest. Messages above MAX_MESSAGE_BYTES are refused.
 */
export async function startRabbitNode(config: StackConfig, dirs: StackDirs): Promise<void> {
  if (!config.RABBITMQ_PRIVATE_NODE || runningPid(dirs, RABBITMQ) !== undefined) return;
  const base = join(dirs.root, 'rabbitmq');
  mkdirSync(join(base, 'mnesia'), { recursive: true });
  mkdirSync(join(base, 'log'), { recursive: true });
  writeFileSync(join(base, 'enabled_plugins'), '[].\n');
  const names = {
    exchange: config.EVENTS_EXCHANGE,
    queue: config.PROJECTOR_QUEUE,
    topicPrefix: config.DEBEZIUM_TOPIC_PREFIX,
    vhost: config.RABBITMQ_VHOST,
  };
  // Password hashes only, readable by the broker's user alone.
  writeFileSync(join(base, 'definitions.json'), JSON.stringify(brokerDefinitions(names, brokerPasswords(config)), null, 2), {
    mode: 0o600,
  });
  writeFileSync(
    join(base, 'rabbitmq.conf'),
    [
      `listeners.tcp.default = 127.0.0.1:${config.RABBITMQ_PORT}`,
      `load_definitions = ${join(base, 'definitions.json')}`,
      `max_message_size = ${MAX_MESSAGE_BYTES}`,
      '',
    ].join('\n'),
  );
  if (userInfo().uid === 0) chownTree(base);

  spawnDetached(dirs, {
    name: RABBITMQ,
    command: 'rabbitmq-server',
    args: [],
    cwd: base,
    env: {
      PATH: process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin',
      HOME: base,
      RABBITMQ_NODENAME: `${config.RABBITMQ_PRIVATE_NODE}@localhost`,
      RABBITMQ_NODE_PORT: String(config.RABBITMQ_PORT),
      RABBITMQ_DIST_PORT: String(config.RABBITMQ_PORT + 20_000),
      RABBITMQ_MNESIA_BASE: join(base, 'mnesia'),
      RABBITMQ_LOG_BASE: join(base, 'log'),
      RABBITMQ_CONFIG_FILE: join(base, 'rabbitmq'),
      RABBITMQ_ENABLED_PLUGINS_FILE: join(base, 'enabled_plugins'),
      RABBITMQ_PID_FILE: join(base, 'pid'),
    },
  });
  // The recorded wrapper hands over to the Erlang VM and may be gone (or a zombie) early: wait on
  // the broker itself, then record the VM's own pid, which is what stopping must signal.
  const pidFile = join(base, 'pid');
  await waitUntil('rabbitmq', () => isRabbitReachable(config), { timeoutMs: 60_000, intervalMs: 300 });
  recordPid(dirs, RABBITMQ, Number(readFileSync(pidFile, 'utf8').trim()));
}

export const stopRabbitNode = (dirs: StackDirs) => stopRecorded(dirs, RABBITMQ, 'SIGTERM', 30_000);

function chownTree(dir: string) {
  const owner = systemUser('rabbitmq');
  if (!owner) return;
  const files = ['enabled_plugins', 'rabbitmq.conf', 'definitions.json'];
  for (const path of [dir, join(dir, 'mnesia'), join(dir, 'log'), ...files.map((file) => join(dir, file))]) {
    chownSync(path, owner.uid, owner.gid);
  }
}
