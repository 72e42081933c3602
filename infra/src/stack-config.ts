import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseEnv as parseDotenv } from 'node:util';
import { z } from 'zod';
import { declaredDefault, LOGIN_SETTINGS, parseEnv, port, withoutEmpty } from '@shop/shared/config';
import { BROKER_PASSWORD_SETTINGS, BROKER_USERS, brokerPasswordsFrom, type BrokerLogin } from '@shop/shared/messaging';
import { commandApiSettings, writeSetupSettings } from '../../command-api/src/config.ts';
import { projectorSettings } from '../../projector/src/config.ts';
import { queryApiSettings } from '../../query-api/src/config.ts';
import { notifierSettings } from '../../notifier/src/config.ts';
import { debeziumSettings } from './native/debezium-settings.ts';
import { clusterAddresses, isClustered, proxyPort } from './native/rabbitmq-cluster-layout.ts';
import { loadOrCreateSecrets, SECRET_SETTINGS, type SecretSetting } from './secrets.ts';

export const repoRoot = resolve(import.meta.dirname, '../..');

/**
 * What each component the stack runs reads, as the component declares it (its src/config.ts;
 * Debezium's in native/debezium-settings.ts). A setting two of them read is one declaration,
 * taken from @shop/shared/config.
 */
export const COMPONENT_SETTINGS = {
  'command-api': commandApiSettings,
  'write-setup': writeSetupSettings,
  projector: projectorSettings,
  'query-api': queryApiSettings,
  notifier: notifierSettings,
  debezium: debeziumSettings,
} as const;

/** A component's own logins are not settings of the stack: it sets them per component (childEnv). */
const OWN_LOGINS = Object.fromEntries(LOGIN_SETTINGS.map((key) => [key, true])) as Record<(typeof LOGIN_SETTINGS)[number], true>;

const secretsEnv = Object.fromEntries(
  SECRET_SETTINGS.map((name) => [name, z.string().min(16, 'at least 16 characters')]),
) as Record<SecretSetting, z.ZodString>;

/** Settings of the stack itself, that no component it runs reads. */
const stackOnlySettings = {
  // The cluster's bootstrap superuser: only `npm start` (roles, databases) and the operator's
  // tools (tests, bench) log in as it, never a service or Debezium (docs/security.md).
  PG_ADMIN_USER: z.string().default('postgres'),
  // Secrets (infra/src/secrets.ts): generated into the stack's folder unless given.
  ...secretsEnv,
  // The stack's own broker node listens here (the system broker keeps 5672, where a component
  // run on its own looks by default): the stack hands this port to every component.
  RABBITMQ_PORT: port(5682),
  RABBITMQ_PRIVATE_NODE: z
    .string()
    .regex(/^[a-z0-9_]*$/)
    .default('cqrs_dev'),
  // How many nodes that broker has. Above 1: a cluster (node i on RABBITMQ_PORT + 100*(i-1)), its
  // queues replicated on every node, the components given every node (RABBITMQ_ADDRESSES), and
  // Debezium publishing through a proxy on RABBITMQ_PORT + 1000 that skips a node that is down.
  RABBITMQ_NODES: z.coerce.number().int().min(1).max(5).default(1),
  // docker compose only: the host port of the broker's management UI, the host address every
  // port is published on (loopback unless opened), and the observability file's Grafana admin.
  RABBITMQ_MANAGEMENT_PORT: port(15672),
  PUBLISH_ADDRESS: z.string().default('127.0.0.1'),
  GRAFANA_ADMIN_PASSWORD: z.string().optional(),
  STACK_DIR: z.string().default('.stack/dev'),
  PG_FSYNC: z.enum(['on', 'off']).default('on'),
  // A second Debezium Server (debezium-server-2) that waits for the slot's lease and takes over
  // within seconds when the active one dies (infra/src/native/debezium-lease.ts).
  DEBEZIUM_STANDBY: z
    .enum(['true', 'false'])
    .default('false')
    .transform((v) => v === 'true'),
};

/**
 * Every setting of the stack: the union of its components' settings (their defaults, bounds and
 * transforms), without their own logins, and the stack's own. `.env.example` documents them.
 */
const schema = z
  .object({
    ...commandApiSettings.shape,
    ...writeSetupSettings.shape,
    ...projectorSettings.shape,
    ...queryApiSettings.shape,
    ...notifierSettings.shape,
    ...debeziumSettings.shape,
  })
  .omit(OWN_LOGINS)
  .extend(stackOnlySettings);

export type StackSetting = keyof typeof schema.shape;

/** The names of every setting, as `.env.example` must list them. */
export const STACK_SETTINGS = Object.keys(schema.shape) as StackSetting[];

/** The declaration of one setting of the stack: its default, bounds, transform. */
export const stackSetting = (name: StackSetting): z.ZodType => schema.shape[name];

/**
 * A stack's settings, as the components read them (PROJECTOR_SHARDS a list, durations in seconds),
 * and as text (`settingText`: as given, else the declared default), which is what a child process
 * gets. PG_USER and PG_PASSWORD are the operator's login (the bootstrap superuser), RABBITMQ_USER
 * and RABBITMQ_PASSWORD the broker's admin, for the stack's own set-up and for tests and the
 * bench; a component gets its own logins (childEnv).
 */
export type StackConfig = z.infer<typeof schema> & {
  name: string;
  stackDir: string;
  settingText: Record<StackSetting, string | undefined>;
  PG_USER: string;
  PG_PASSWORD: string;
  /** The broker's admin: the stack's set-up and the operator's tools; never a component. */
  RABBITMQ_USER: string;
  RABBITMQ_PASSWORD: string;
};

/**
 * The stack `npm start` runs: defaults, then the secrets it generated in its folder, then `.env`
 * if present, then the process environment.
 */
export function devStackConfig(env: NodeJS.ProcessEnv = process.env, dotenvPath = join(repoRoot, '.env')): StackConfig {
  const fromFile = existsSync(dotenvPath) ? parseDotenv(readFileSync(dotenvPath, 'utf8')) : {};
  return stackConfig('dev', withStoredSecrets({ ...fromFile, ...env }));
}

/** The secrets kept in the stack's folder (generated when missing), under what was given. */
function withStoredSecrets(given: Record<string, string | undefined>): Record<string, string> {
  const set = withoutEmpty(given);
  if (SECRET_SETTINGS.every((name) => set[name])) return set;
  return { ...loadOrCreateSecrets(resolve(repoRoot, schema.shape.STACK_DIR.parse(set.STACK_DIR))), ...set };
}

/**
 * The stack `npm test` runs: its own cluster port, databases, slot, exchange, queue and HTTP
 * ports, so it never touches a running `npm start` stack. Only the broker is shared.
 */
export function testStackConfig(): StackConfig {
  return isolatedStackConfig('test', 1);
}

/**
 * The stack `npm run bench` runs: isolated like the test stack, on other ports and names, and
 * otherwise with the settings `npm start` ships (fsync on, LOG_LEVEL info, Debezium's heartbeat):
 * only ports, names and the stack's folder differ, so what it measures is what users run.
 */
export function benchStackConfig(): StackConfig {
  return isolatedStackConfig('bench', 2);
}

/**
 * The stack of `npm run bench -- --smoke` (run by `npm test`): the bench's settings on ports and
 * names of its own (HTTP 28180-28186, Postgres 5437, RabbitMQ 5676), so a smoke run never stops
 * or wipes a bench run's stack.
 */
export function benchSmokeStackConfig(): StackConfig {
  return isolatedStackConfig('smoke', 4);
}

/**
 * Short server timeouts for the test stack, so the hostile-input tests see a slow client cut off
 * in seconds; still far above what any test request needs to be sent (the timers stop once a
 * request is received, so slow queries are unaffected). The bench keeps the defaults.
 */
/** The test stack's console admin token (the browser test uses it; nothing real is behind it). */
export const TEST_CONSOLE_TOKEN = 'test-console-admin-token';

/**
 * Where the test stack's services and Debezium export their spans: the trace test listens here
 * (an OTLP receiver of its own); while no test listens, the exports fail and are dropped.
 */
export const TEST_OTLP_PORT = 18087;

const TEST_HTTP_TIMEOUTS = {
  HTTP_HEADERS_TIMEOUT_MS: '3000',
  HTTP_REQUEST_TIMEOUT_MS: '6000',
  HTTP_KEEP_ALIVE_TIMEOUT_MS: '5000',
  HTTP_SOCKET_TIMEOUT_MS: '10000',
};

/**
 * The test stack's reconciler audits often with a short grace period, so a test sees a lost event
 * reported within seconds; it does not heal by itself, so a test sees the report before the heal
 * (tests heal with `npm run reconcile`, or start an instance that heals).
 */
const TEST_RECONCILER = {
  RECONCILE_INTERVAL_MS: '500',
  RECONCILE_GRACE_MS: '2000',
  RECONCILE_HEAL: 'false',
  RECONCILE_HEAL_RETRY_MS: '5000',
  NOTIFIER_AUDIT_INTERVAL_MS: '500',
  NOTIFIER_AUDIT_GRACE_MS: '2000',
};

/**
 * Minute partitions, so a test sees partitions close and be archived within its run; the
 * retention itself stays long (tests run it on demand with a shorter age).
 */
const TEST_RETENTION = { OUTBOX_PARTITION_INTERVAL: '1 minute', OUTBOX_PARTITIONS_AHEAD: '30' };

/** The chaos stack heals by itself, as a production stack does, with a shorter grace period. */
const CHAOS_RECONCILER = {
  RECONCILE_INTERVAL_MS: '1000',
  RECONCILE_GRACE_MS: '5000',
  RECONCILE_HEAL_RETRY_MS: '15000',
  NOTIFIER_AUDIT_INTERVAL_MS: '1000',
  NOTIFIER_AUDIT_GRACE_MS: '5000',
};

/**
 * Retention runs all through a chaos run: minute partitions archived a minute after they close,
 * checked every 10 s, while the faults are injected (the invariants read archive and outbox).
 */
const CHAOS_RETENTION = {
  OUTBOX_PARTITION_INTERVAL: '1 minute',
  OUTBOX_PARTITIONS_AHEAD: '30',
  OUTBOX_RETENTION: '1 minute',
  RETENTION_INTERVAL_MS: '10000',
};

/** The stack `npm run chaos` runs and breaks: isolated like the others, with a supervisor. */
export function chaosStackConfig(): StackConfig {
  return isolatedStackConfig('chaos', 3);
}

/**
 * The stack of the RabbitMQ cluster's end-to-end test: isolated like the others (HTTP 28280-28286,
 * Postgres 5438, RabbitMQ 5677, 5777, 5877, its proxy 6677), with three broker nodes.
 */
export function clusterStackConfig(): StackConfig {
  return isolatedStackConfig('cluster', 5);
}

/**
 * An isolated stack: its own cluster port, databases, slot, exchange, queues, HTTP ports and
 * RabbitMQ node, so it never touches a running `npm start` stack (or another isolated one).
 */
function isolatedStackConfig(name: 'test' | 'bench' | 'chaos' | 'smoke' | 'cluster', n: number): StackConfig {
  // The smoke and cluster stacks' HTTP ports sit beside the bench's (28180-28186, 28280-28286),
  // below the kernel's range of ephemeral ports (32768-60999), where an outgoing connection can
  // hold the port a service listens on.
  const besideBench: Partial<Record<typeof name, number>> = { smoke: 10_100, cluster: 10_200 };
  const port = (base: number) => String(base + (besideBench[name] ?? (n - 1) * 10_000));
  // The bench stacks measure the durability and logging `npm start` ships; the test and chaos
  // stacks trade them for speed (no fsync) and a short heartbeat their tests wait on.
  const asShipped = name === 'bench' || name === 'smoke';
  return stackConfig(
    name,
    withStoredSecrets({
      COMMAND_API_PORT: port(18080),
      QUERY_API_PORT: port(18081),
      PROJECTOR_PORT: port(18082),
      NOTIFIER_PORT: port(18085),
      DEBEZIUM_HTTP_PORT: port(18083),
      DEBEZIUM_METRICS_PORT: port(18086),
      PG_PORT: String(5433 + n),
      WRITE_DB_NAME: `${name}_write`,
      READ_DB_NAME: `${name}_read`,
      EVENTS_EXCHANGE: `${name}.${declaredDefault(schema.shape.EVENTS_EXCHANGE)}`,
      PROJECTOR_QUEUE: `${name}.${declaredDefault(schema.shape.PROJECTOR_QUEUE)}`,
      NOTIFIER_QUEUE: `${name}.${declaredDefault(schema.shape.NOTIFIER_QUEUE)}`,
      DEBEZIUM_SLOT: `${name}_outbox`,
      DEBEZIUM_PUBLICATION: `${name}_outbox_pub`,
      DEBEZIUM_TOPIC_PREFIX: name,
      STACK_DIR: `.stack/${name}`,
      ...(asShipped ? {} : { DEBEZIUM_HEARTBEAT_MS: '2000', PG_FSYNC: 'off', LOG_LEVEL: 'info' }),
      // A broker node of its own: tests restart it, and it cannot collide with the system broker.
      RABBITMQ_PRIVATE_NODE: `cqrs_${name}`,
      RABBITMQ_PORT: String(5672 + n),
      DEBEZIUM_JAVA_HOME: process.env.DEBEZIUM_JAVA_HOME,
      ...(name === 'test'
        ? {
            ...TEST_HTTP_TIMEOUTS,
            ...TEST_RECONCILER,
            ...TEST_RETENTION,
            CONSOLE_ADMIN_TOKEN: TEST_CONSOLE_TOKEN,
            OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${TEST_OTLP_PORT}`,
          }
        : {}),
      ...(name === 'chaos' ? { ...CHAOS_RECONCILER, ...CHAOS_RETENTION } : {}),
      ...(name === 'cluster' ? { RABBITMQ_NODES: '3' } : {}),
    }),
  );
}

/**
 * The settings given (none empty) validated by the components' declarations, with each one's text
 * kept for the child processes. The console's projectors default to this stack's own, on its
 * PROJECTOR_PORT.
 */
function stackConfig(name: string, given: Record<string, string>): StackConfig {
  const projectorPort = given.PROJECTOR_PORT ?? declaredDefault(schema.shape.PROJECTOR_PORT);
  const set: Record<string, string> = { PROJECTOR_URLS: `http://127.0.0.1:${projectorPort}`, ...given };
  const parsed = parseEnv(schema, set);
  // With a cluster of the stack's own, the components are given every node unless told otherwise.
  const clustered = { ...parsed, stackDir: resolve(repoRoot, parsed.STACK_DIR) };
  if (isClustered(clustered) && !set.RABBITMQ_ADDRESSES) set.RABBITMQ_ADDRESSES = clusterAddresses(clustered);
  const config = parseEnv(schema, set);
  const settingText = Object.fromEntries(STACK_SETTINGS.map((key) => [key, set[key] ?? declaredDefault(schema.shape[key])]));
  return {
    ...config,
    settingText: settingText as StackConfig['settingText'],
    PG_USER: config.PG_ADMIN_USER,
    PG_PASSWORD: config.PG_ADMIN_PASSWORD,
    RABBITMQ_USER: BROKER_USERS.admin,
    RABBITMQ_PASSWORD: config.RABBITMQ_ADMIN_PASSWORD,
    name,
    stackDir: resolve(repoRoot, config.STACK_DIR),
  };
}

/** The same stack with some settings changed (given as text, as in `.env`), validated again. */
export function withSettings(config: StackConfig, changed: Partial<Record<StackSetting, string>>): StackConfig {
  const given = { ...config.settingText };
  // The broker's addresses derived from the stack's nodes are derived again from the changed settings.
  if (isClustered(config) && given.RABBITMQ_ADDRESSES === clusterAddresses(config)) delete given.RABBITMQ_ADDRESSES;
  return stackConfig(config.name, withoutEmpty({ ...given, ...changed }));
}

/** What logs in to Postgres: each component as its own role (infra/postgres/roles.sql). */
export type DbLogin = 'owner' | 'command-api' | 'debezium' | 'projector' | 'query-api' | 'notifier';

/** Each component's role: the user its settings name by default (its PG_USER), and its password's setting. */
const roleOf = (settings: { shape: { PG_USER: z.ZodType } }, password: SecretSetting) => ({
  user: declaredDefault(settings.shape.PG_USER)!,
  password,
});

export const DB_ROLES: Record<DbLogin, { user: string; password: SecretSetting }> = {
  owner: roleOf(writeSetupSettings, 'PG_OWNER_PASSWORD'),
  'command-api': roleOf(commandApiSettings, 'PG_COMMAND_API_PASSWORD'),
  debezium: roleOf(debeziumSettings, 'PG_DEBEZIUM_PASSWORD'),
  projector: roleOf(projectorSettings, 'PG_PROJECTOR_PASSWORD'),
  'query-api': roleOf(queryApiSettings, 'PG_QUERY_API_PASSWORD'),
  notifier: roleOf(notifierSettings, 'PG_NOTIFIER_PASSWORD'),
};

/** The connection settings of one component's role, in the shape postgresUrl takes. */
export function dbLogin(config: StackConfig, login: DbLogin) {
  const role = DB_ROLES[login];
  return { PG_HOST: config.PG_HOST, PG_PORT: config.PG_PORT, PG_USER: role.user, PG_PASSWORD: config[role.password] };
}

/** Every broker user's password, as the broker's definitions take them. */
export const brokerPasswords = (config: StackConfig) => brokerPasswordsFrom(config);

/** Settings no child process gets as such: the secrets, and the operator's login. */
const NOT_PASSED_ON = new Set<string>([...SECRET_SETTINGS, 'GRAFANA_ADMIN_PASSWORD', 'PG_ADMIN_USER']);

/**
 * The environment a child process of the stack gets: the validated settings, without any secret
 * but its own logins (PG_USER and PG_PASSWORD; RABBITMQ_USER and RABBITMQ_PASSWORD, the broker
 * user of the same name unless another is named) when it has them. The supervisor has none: it reads the
 * stack's secrets file itself.
 */
export function childEnv(config: StackConfig, login?: DbLogin, brokerLogin?: BrokerLogin): Record<string, string> {
  const env: Record<string, string> = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/tmp' };
  for (const [key, text] of Object.entries(config.settingText)) {
    if (text !== undefined && !NOT_PASSED_ON.has(key)) env[key] = text;
  }
  // The console's token opens its actions: only the query API serves them.
  if (login !== 'query-api') delete env.CONSOLE_ADMIN_TOKEN;
  // The webhook's signing key: only the notifier signs.
  if (login !== 'notifier') delete env.NOTIFIER_WEBHOOK_SECRET;
  if (login) {
    const own = dbLogin(config, login);
    env.PG_USER = own.PG_USER;
    env.PG_PASSWORD = own.PG_PASSWORD;
  }
  // Debezium's sink takes one host: with a cluster, the proxy in front of every node.
  if (login === 'debezium' && isClustered(config)) env.RABBITMQ_PORT = String(proxyPort(config));
  const broker = brokerLogin ?? (login && login in BROKER_PASSWORD_SETTINGS ? (login as BrokerLogin) : undefined);
  if (broker) {
    env.RABBITMQ_USER = BROKER_USERS[broker];
    env.RABBITMQ_PASSWORD = config[BROKER_PASSWORD_SETTINGS[broker]];
  }
  return env;
}
