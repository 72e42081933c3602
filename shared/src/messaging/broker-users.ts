import { createHash, randomBytes } from 'node:crypto';
import { MAX_BODY_BYTES } from '../events/limits.ts';
import { deadLetterExchangeOf, deadLetterQueueOf, notifierTopologyNames, type TopologyNames } from './topology.ts';

/**
 * One RabbitMQ user per component, each with only what its job needs (docs/security.md). The
 * broker loads them as definitions when it boots (`load_definitions`): the stack's own node
 * (infra/src/native/rabbitmq-node.ts) and docker compose's (its broker-setup service).
 */
export type BrokerLogin = 'admin' | 'debezium' | 'projector' | 'query-api' | 'notifier';

export const BROKER_USERS: Record<BrokerLogin, string> = {
  admin: 'shop_admin',
  debezium: 'shop_debezium',
  projector: 'shop_projector',
  'query-api': 'shop_query_api',
  notifier: 'shop_notifier',
};

/** The setting that holds each user's password (a secret: docs/security.md). */
export const BROKER_PASSWORD_SETTINGS = {
  admin: 'RABBITMQ_ADMIN_PASSWORD',
  debezium: 'RABBITMQ_DEBEZIUM_PASSWORD',
  projector: 'RABBITMQ_PROJECTOR_PASSWORD',
  'query-api': 'RABBITMQ_QUERY_API_PASSWORD',
  notifier: 'RABBITMQ_NOTIFIER_PASSWORD',
} as const satisfies Record<BrokerLogin, string>;

/** Every user's password, read from settings named as BROKER_PASSWORD_SETTINGS says. */
export const brokerPasswordsFrom = (settings: Record<(typeof BROKER_PASSWORD_SETTINGS)[BrokerLogin], string>) =>
  Object.fromEntries(Object.entries(BROKER_PASSWORD_SETTINGS).map(([login, key]) => [login, settings[key]])) as Record<
    BrokerLogin,
    string
  >;

export interface BrokerNames extends TopologyNames {
  /** Debezium's topic prefix: its heartbeats and table records are routed under it. */
  topicPrefix: string;
  vhost: string;
  /** Prefix of the notifier's shard queues, its dead-letter exchange and queue (NOTIFIER_QUEUE). */
  notifierQueue: string;
}

export interface Permission {
  configure: string;
  write: string;
  read: string;
}

const escape = (name: string) => name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const only = (...names: string[]) => `^(${names.map(escape).join('|')})$`;
const NOTHING = '^$';

/**
 * The vhost permissions (regular expressions over exchange and queue names) of each user:
 * - Debezium publishes to the events exchange, nothing else: no queue, no declaring.
 * - a projector declares and consumes its shard queues and the dead-letter path, and publishes
 *   only to the dead-letter exchange (a poison message); it cannot publish an event.
 * - the query API's console reads the dead-letter queue and publishes a re-driven letter back to
 *   the events exchange; it declares nothing and reads no shard queue.
 * - the notifier declares and consumes its own shard queues and dead-letter path (`<NOTIFIER_QUEUE>.<n>`,
 *   `.dlq`, `.dlx`), binds them to the events exchange (read on it), and publishes only to its own
 *   dead-letter exchange; it reads no queue of the projector's and cannot publish an event.
 * - the admin (the stack's set-up, the operator's `npm run dlq`, tests) may do anything.
 */
export function brokerPermissions(names: BrokerNames): Record<BrokerLogin, Permission> {
  const dlx = deadLetterExchangeOf(names);
  const dlq = deadLetterQueueOf(names);
  const projectorOwn = `^(${escape(names.queue)}\\.([0-9]+|dlq)|${escape(names.exchange)}|${escape(dlx)})$`;
  return {
    admin: { configure: '.*', write: '.*', read: '.*' },
    debezium: { configure: NOTHING, write: only(names.exchange), read: NOTHING },
    projector: { configure: projectorOwn, write: `^(${escape(names.queue)}\\.([0-9]+|dlq)|${escape(dlx)})$`, read: projectorOwn },
    'query-api': { configure: NOTHING, write: only(names.exchange), read: only(dlq) },
    notifier: notifierPermission(names),
  };
}

function notifierPermission(names: BrokerNames): Permission {
  const own = notifierTopologyNames(names.exchange, names.notifierQueue);
  const queues = `${escape(own.queue)}\\.([0-9]+|dlq)`;
  const dlx = escape(deadLetterExchangeOf(own));
  return {
    // Declaring the exchange (idempotent, as every consumer does) needs configure on it.
    configure: `^(${queues}|${dlx}|${escape(names.exchange)})$`,
    // Binding a queue needs write on the queue; a dead letter is published to its own exchange.
    write: `^(${queues}|${dlx})$`,
    // Binding needs read on the source exchange (the events', its dead letters'); consuming, on the queue.
    read: `^(${queues}|${dlx}|${escape(names.exchange)})$`,
  };
}

/**
 * Routing keys each user may publish with on the events exchange (a topic exchange): Debezium its
 * outbox events, heartbeats and table records; the console only outbox events (a re-drive).
 */
export function brokerTopicPermissions(names: BrokerNames): Partial<Record<BrokerLogin, { write: string; read: string }>> {
  const prefix = escape(names.topicPrefix);
  return {
    debezium: { write: `^(outbox\\.event\\..+|__debezium-heartbeat\\..+|${prefix}\\..+)$`, read: NOTHING },
    'query-api': { write: '^outbox\\.event\\..+$', read: NOTHING },
  };
}

/**
 * RabbitMQ's own password hash (rabbit_password_hashing_sha256): base64 of a 4-byte salt followed
 * by SHA-256 of the salt and the UTF-8 password. The broker never sees a password in clear.
 */
export function hashBrokerPassword(password: string, salt: Buffer = randomBytes(4)): string {
  const digest = createHash('sha256').update(salt).update(password, 'utf8').digest();
  return Buffer.concat([salt, digest]).toString('base64');
}

/** The definitions document (users, vhost, permissions) the broker imports at boot. */
export function brokerDefinitions(names: BrokerNames, passwords: Record<BrokerLogin, string>) {
  const permissions = brokerPermissions(names);
  const topics = brokerTopicPermissions(names);
  const logins = Object.keys(BROKER_USERS) as BrokerLogin[];
  return {
    users: logins.map((login) => ({
      name: BROKER_USERS[login],
      password_hash: hashBrokerPassword(passwords[login]),
      hashing_algorithm: 'rabbit_password_hashing_sha256',
      tags: login === 'admin' ? ['administrator'] : [],
    })),
    vhosts: [{ name: names.vhost }],
    permissions: logins.map((login) => ({ user: BROKER_USERS[login], vhost: names.vhost, ...permissions[login] })),
    topic_permissions: logins.flatMap((login) => {
      const topic = topics[login];
      return topic ? [{ user: BROKER_USERS[login], vhost: names.vhost, exchange: names.exchange, ...topic }] : [];
    }),
  };
}

/**
 * The largest message the broker accepts (RabbitMQ's max_message_size): twice the largest body the
 * projector accepts (MAX_BODY_BYTES, 1 MiB), so a body between the two still reaches the projector
 * and is parked there with its reason, while one above is refused at the door; far below
 * RabbitMQ's own default (16 MiB on 4.x, 128 MiB on 3.x), with which one publisher can fill memory.
 */
export const MAX_MESSAGE_BYTES = 2 * MAX_BODY_BYTES;
