import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseEnv } from 'node:util';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import type { z } from 'zod';
import { declaredDefault, LOGIN_SETTINGS } from '@shop/shared/config';
import { brokerSetupSettings } from '../../shared/src/messaging/broker-setup.ts';
import { COMPOSE_SECRETS } from '../../infra/src/secrets.ts';
import { COMPONENT_SETTINGS, repoRoot, STACK_SETTINGS, stackSetting, type StackSetting } from '../../infra/src/stack-config.ts';

interface ComposeService {
  image?: string;
  restart?: string;
  init?: boolean;
  healthcheck?: { test: string[] };
  command?: string[];
  build?: { context: string; dockerfile: string; args?: Record<string, string> };
  environment?: Record<string, string>;
  ports?: string[];
  volumes?: string[];
  depends_on?: Record<string, unknown>;
}

const read = (path: string) => readFileSync(join(repoRoot, path), 'utf8');
const composeText = read('docker-compose.yml');
const compose = parse(composeText, { merge: true }) as Record<string, unknown> & { services: Record<string, ComposeService> };
const dockerfile = read('infra/docker/node-service.Dockerfile');
const example = parseEnv(read('.env.example'));
const services = compose.services;
/** application.properties without its comments. */
const properties = read('debezium/config/application.properties')
  .split('\n')
  .filter((line) => !line.trimStart().startsWith('#'))
  .join('\n');

/** `${NAME:-default}` substitutions: compose's own defaults must be .env.example's. */
const substitutionsOf = (text: string) =>
  [...text.matchAll(/\$\{([A-Z0-9_]+)(?::-([^}]*))?\}/g)].map((m) => ({ name: m[1]!, fallback: m[2] }));
const substitutions = substitutionsOf(composeText);
/** `${NAME:?message}`: compose stops with the message when NAME is unset or empty. */
const required = (text: string) =>
  [...text.matchAll(/\$\{([A-Z0-9_]+):\?([^}]*)\}/g)].map((m) => ({ name: m[1]!, message: m[2]! }));
const observabilityText = read('docker-compose.observability.yml');
const observability = parse(observabilityText) as { services: Record<string, ComposeService> };
const clusterText = read('docker-compose.cluster.yml');
const cluster = parse(clusterText, { merge: true }) as Record<string, unknown> & {
  services: Record<string, ComposeService & { hostname?: string; networks?: Record<string, { aliases?: string[] }> }>;
};
/** docker-compose.yml with docker-compose.cluster.yml over it, as compose merges a service's keys. */
const withCluster = mergeServices(services, cluster.services);
/** What each of compose's services reads, as the component declares it. */
const declaredBy: Record<string, z.ZodObject> = {
  'command-api': COMPONENT_SETTINGS['command-api'],
  migrate: COMPONENT_SETTINGS['write-setup'],
  projector: COMPONENT_SETTINGS.projector,
  'query-api': COMPONENT_SETTINGS['query-api'],
  notifier: COMPONENT_SETTINGS.notifier,
  debezium: COMPONENT_SETTINGS.debezium,
  'broker-setup': brokerSetupSettings,
};
/** Variables a service reads that are its image's, not a setting: Debezium's run.sh starts its JMX exporter on this. */
const imageVariables: Record<string, string[]> = { debezium: ['JMX_EXPORTER_PORT'] };
const isStackSetting = (name: string): name is StackSetting => (STACK_SETTINGS as string[]).includes(name);
/** Services that run once and exit (db-setup, migrate): no healthcheck, never restarted. */
const oneShot = (service: ComposeService) => service.restart === 'no';

describe('docker-compose.yml', () => {
  it('runs the same pieces as the native stack', () => {
    expect(Object.keys(services).sort()).toEqual([
      'broker-setup',
      'command-api',
      'db-setup',
      'debezium',
      'migrate',
      'notifier',
      'postgres',
      'projector',
      'query-api',
      'rabbitmq',
    ]);
    expect(services.postgres!.command).toContain('wal_level=logical');
    expect(services.rabbitmq!.image).toMatch(/management/);
    expect(services.rabbitmq!.ports).toContain('${PUBLISH_ADDRESS:-127.0.0.1}:${RABBITMQ_MANAGEMENT_PORT:-15672}:15672');
  });

  it("has only keys that Compose v2 and Debian's docker-compose 1.29 both accept (no top-level name)", () => {
    const topLevel = Object.keys(compose).filter((key) => !key.startsWith('x-'));
    expect(topLevel.sort()).toEqual(['services', 'volumes']);
  });

  it('gives every service a healthcheck and a restart policy, and the processes an init', () => {
    for (const [name, service] of Object.entries(services)) {
      if (oneShot(service)) continue;
      expect(service.healthcheck?.test, `${name} healthcheck`).toBeDefined();
      expect(service.restart, `${name} restart`).toBe('unless-stopped');
      if (name !== 'postgres' && name !== 'rabbitmq') expect(service.init, `${name} init`).toBe(true);
    }
    expect(services.rabbitmq!.healthcheck!.test).toContain('check_port_connectivity');
    expect(services.debezium!.environment!.JMX_EXPORTER_PORT).toBeDefined();
  });

  it('pins image tags: a version, never latest; the services on an even (LTS) Node line of 22 or later', () => {
    for (const [name, service] of Object.entries(services)) {
      if (!service.image) continue;
      expect(service.image, name).toMatch(/:(\$\{[A-Z_]+:-)?\d+\.\d+/);
    }
    const from = /^FROM node:(\d+)-/m.exec(dockerfile);
    expect(from, 'FROM node:<major>-...').not.toBeNull();
    const major = Number(from![1]);
    expect(major % 2 === 0 && major >= 22, `node ${major}`).toBe(true);
  });

  it('installs dependencies once for the four services: SERVICE is declared after npm ci', () => {
    const lines = dockerfile.split('\n');
    const install = lines.findIndex((line) => line.startsWith('RUN npm ci'));
    const arg = lines.findIndex((line) => line.startsWith('ARG SERVICE'));
    expect(install).toBeGreaterThan(0);
    expect(arg).toBeGreaterThan(install);
  });

  it('builds each service from a folder that exists, with an entry file', () => {
    for (const name of ['command-api', 'projector', 'query-api', 'notifier']) {
      const build = services[name]!.build!;
      expect(existsSync(join(repoRoot, build.context, build.dockerfile)), build.dockerfile).toBe(true);
      expect(build.args?.SERVICE).toBe(name);
      expect(existsSync(join(repoRoot, name, 'src', 'main.ts'))).toBe(true);
    }
  });

  it('uses only settings documented in .env.example, with the same defaults', () => {
    expect(substitutions.length).toBeGreaterThan(10);
    for (const { name, fallback } of substitutions) {
      expect(Object.keys(example), name).toContain(name);
      expect(fallback, `default of ${name}`).toBe(example[name]);
    }
  });

  it('defaults every ${NAME:-default} of both files to the declared default of that setting', () => {
    const wrong = [...substitutions, ...substitutionsOf(observabilityText)]
      .filter(
        ({ name, fallback }) =>
          fallback !== undefined && (!isStackSetting(name) || fallback !== (declaredDefault(stackSetting(name)) ?? '')),
      )
      .map(({ name, fallback }) => `${name}:-${fallback}`);
    expect(wrong).toEqual([]);
  });

  it('passes each component only settings it declares, with their declared defaults', () => {
    const wrong = undeclaredSettings(services);
    // db-setup is a shell script over the stack's own settings (infra/docker/db-setup.sh).
    for (const key of Object.keys(services['db-setup']!.environment ?? {}))
      if (!isStackSetting(key)) wrong.push(`db-setup: ${key} is no setting of the stack`);
    expect(wrong).toEqual([]);
  });

  it('passes each component only settings it declares with docker-compose.cluster.yml too', () => {
    expect(undeclaredSettings(withCluster)).toEqual([]);
  });

  it('gives each node service only documented variables, and Debezium every variable its config reads', () => {
    for (const [name, service] of [...Object.entries(services), ...Object.entries(withCluster)]) {
      if (!service.build?.args?.SERVICE) continue;
      // Each service's own logins are set here per service (docs/security.md), not settings.
      const ownLogin = /^(PG|RABBITMQ)_(USER|PASSWORD)$/;
      for (const key of Object.keys(service.environment ?? {})) {
        if (!ownLogin.test(key)) expect(Object.keys(example), `${name}: ${key}`).toContain(key);
      }
    }
    const used = new Set([...properties.matchAll(/\$\{([A-Z0-9_]+):([^}]*)\}/g)].map((m) => m[1]!));
    for (const key of used) expect(Object.keys(services.debezium!.environment!), key).toContain(key);
  });

  it('publishes the contract ports from the documented settings', () => {
    expect(services['command-api']!.ports).toEqual([
      '${PUBLISH_ADDRESS:-127.0.0.1}:${COMMAND_API_PORT:-8080}:${COMMAND_API_PORT:-8080}',
    ]);
    expect(services['query-api']!.ports).toEqual([
      '${PUBLISH_ADDRESS:-127.0.0.1}:${QUERY_API_PORT:-8081}:${QUERY_API_PORT:-8081}',
    ]);
    expect(example.COMMAND_API_PORT).toBe('8080');
    expect(example.QUERY_API_PORT).toBe('8081');
  });

  it('publishes every port of the three files on loopback unless PUBLISH_ADDRESS opens them', () => {
    const all = [...Object.entries(services), ...Object.entries(observability.services), ...Object.entries(cluster.services)];
    const ports = all.flatMap(([name, service]) => (service.ports ?? []).map((port) => ({ name, port })));
    expect(ports.length).toBeGreaterThan(8);
    for (const { name, port } of ports) expect(port, name).toMatch(/^\$\{PUBLISH_ADDRESS:-127\.0\.0\.1\}:/);
    expect(example.PUBLISH_ADDRESS).toBe('127.0.0.1');
  });

  it('has no default password or token anywhere: a missing one stops compose and says how to make it', () => {
    const secretish = /PASSWORD|PASS\b|TOKEN|SECRET|COOKIE/;
    for (const text of [composeText, observabilityText, clusterText]) {
      // The console's token may be left empty: its console is then read-only.
      for (const { name, fallback } of substitutionsOf(text).filter(
        (s) => secretish.test(s.name) && s.name !== 'CONSOLE_ADMIN_TOKEN',
      )) {
        expect(fallback, `${name} has a default`).toBeUndefined();
      }
      for (const { name, message } of required(text)) expect(message, name).toMatch(/npm run secrets/);
    }
    const everyService = [
      ...Object.entries(services),
      ...Object.entries(observability.services),
      ...Object.entries(cluster.services),
    ];
    for (const [name, service] of everyService) {
      for (const [key, value] of Object.entries(service.environment ?? {})) {
        if (!secretish.test(key) || key === 'CONSOLE_ADMIN_TOKEN') continue;
        expect(String(value), `${name}: ${key}`).toMatch(/^\$\{[A-Z0-9_]+:\?[^}]+\}$/);
      }
    }
    const requiredNames = new Set([composeText, observabilityText, clusterText].flatMap(required).map((r) => r.name));
    for (const secret of COMPOSE_SECRETS) expect(requiredNames, secret).toContain(secret);
    for (const text of [composeText, clusterText]) expect(text).not.toMatch(/:-guest\b|(PASSWORD|PASS|COOKIE):-/);
  });

  it('lets no service log in to Postgres as the superuser: each has its own role', () => {
    const logins = Object.fromEntries(
      Object.entries(services)
        .filter(([, service]) => service.environment?.PG_USER !== undefined)
        .map(([name, service]) => [name, service.environment!.PG_USER]),
    );
    expect(logins).toEqual({
      migrate: 'shop_owner',
      'command-api': 'shop_command_api',
      projector: 'shop_projector',
      'query-api': 'shop_query_api',
      notifier: 'shop_notifier',
      debezium: 'shop_debezium',
    });
  });

  it('mounts files that exist', () => {
    for (const service of [...Object.values(services), ...Object.values(cluster.services)]) {
      for (const volume of service.volumes ?? []) {
        const source = volume.split(':')[0]!;
        if (source.startsWith('./')) expect(existsSync(join(repoRoot, source)), source).toBe(true);
      }
    }
  });
});

describe('docker-compose.cluster.yml', () => {
  const nodes = ['rabbitmq', 'rabbitmq-2', 'rabbitmq-3'];
  const hostnames = ['rabbitmq-1', 'rabbitmq-2', 'rabbitmq-3'];
  const clusterConf = read('infra/docker/rabbitmq-cluster/cluster.conf');
  const haproxyCfg = read('infra/docker/rabbitmq-cluster/haproxy.cfg');

  it("has only keys that Compose v2 and Debian's docker-compose 1.29 both accept (no top-level name)", () => {
    const topLevel = Object.keys(cluster).filter((key) => !key.startsWith('x-'));
    expect(topLevel.sort()).toEqual(['services', 'volumes']);
  });

  it('runs three RabbitMQ nodes of the base image, each with its own volume, under the names the cluster config lists', () => {
    const listed = [...clusterConf.matchAll(/^cluster_formation\.classic_config\.nodes\.\d+ = rabbit@(\S+)$/gm)].map((m) => m[1]);
    expect(listed).toEqual(hostnames);
    expect(clusterConf).toMatch(/^cluster_formation\.peer_discovery_backend = classic_config$/m);
    expect(clusterConf).toMatch(/^queue_leader_locator = balanced$/m);
    const dataVolumes = nodes.map((name) => {
      const node = withCluster[name]!;
      expect(node.image, name).toBe(services.rabbitmq!.image);
      expect(cluster.services[name]!.hostname, name).toBe(hostnames[nodes.indexOf(name)]);
      return node.volumes!.filter((v) => v.endsWith(':/var/lib/rabbitmq'));
    });
    expect(dataVolumes.flat()).toEqual(hostnames.map((host) => `${host}-data:/var/lib/rabbitmq`));
    // The other nodes reach node 1 (the base file's `rabbitmq`) under its node's host name.
    expect(cluster.services.rabbitmq!.networks?.default?.aliases).toEqual(['rabbitmq-1']);
  });

  it("gives every node, and the cluster's check, the one cookie, which has no default", () => {
    for (const name of [...nodes, 'rabbitmq-cluster']) {
      expect(withCluster[name]!.environment!.CLUSTER_ERLANG_COOKIE, name).toMatch(
        /^\$\{RABBITMQ_ERLANG_COOKIE:\?.*npm run secrets.*\}$/,
      );
    }
    expect(example.RABBITMQ_ERLANG_COOKIE).toBe('');
  });

  it('gives every service a healthcheck and a restart policy, and the processes an init', () => {
    for (const [name, service] of Object.entries(withCluster)) {
      if (oneShot(service)) continue;
      expect(service.healthcheck?.test, `${name} healthcheck`).toBeDefined();
      expect(service.restart, `${name} restart`).toBe('unless-stopped');
      if (name !== 'postgres' && !nodes.includes(name)) expect(service.init, `${name} init`).toBe(true);
    }
  });

  it('declares the queues only once the three nodes are one cluster, and sends Debezium through HAProxy to any node', () => {
    expect(withCluster['rabbitmq-cluster']!.command).toEqual([
      'rabbitmqctl',
      '-n',
      'rabbit@rabbitmq-1',
      'await_online_nodes',
      '3',
      '--timeout',
      '120',
    ]);
    for (const name of nodes) expect(Object.keys(withCluster['rabbitmq-cluster']!.depends_on!)).toContain(name);
    expect(withCluster['broker-setup']!.depends_on).toHaveProperty('rabbitmq-cluster');
    expect(withCluster.projector!.depends_on).toHaveProperty('broker-setup');
    const servers = [...haproxyCfg.matchAll(/^\s*server \S+ (\S+):5672$/gm)].map((m) => m[1]);
    expect(servers).toEqual(hostnames);
    expect(withCluster.debezium!.environment).toMatchObject({ RABBITMQ_HOST: 'haproxy', RABBITMQ_PORT: '5672' });
    expect(withCluster.debezium!.depends_on).toHaveProperty('haproxy');
    for (const name of ['projector', 'query-api', 'notifier']) {
      expect(withCluster[name]!.environment!.RABBITMQ_ADDRESSES, name).toBe(hostnames.map((h) => `${h}:5672`).join(','));
      expect(withCluster[name]!.environment!.RABBITMQ_HOST, name).toBe('haproxy');
    }
  });

  it('builds its proxy from a Dockerfile that exists, on the host network in the compose test', () => {
    const build = withCluster.haproxy!.build!;
    expect(existsSync(join(repoRoot, build.context, build.dockerfile))).toBe(true);
    const hostNetwork = parse(read('tests/compose/build-cluster-on-host-network.yml')) as { services: Record<string, unknown> };
    expect(hostNetwork.services.haproxy).toEqual({ build: { network: 'host' } });
  });

  it('is a file npm run secrets reads', () => {
    expect(read('infra/bin/secrets.sh')).toContain('docker-compose.cluster.yml');
  });
});

describe('debezium/config/application.properties', () => {
  it('defaults every ${VAR:default} to the value in .env.example', () => {
    for (const [, name, fallback] of properties.matchAll(/\$\{([A-Z0-9_]+):([^}]*)\}/g)) {
      expect(example[name!], name).toBe(fallback);
    }
  });

  it("reads only Debezium's declared settings, each defaulting to the stack's declared default (the stack runs it)", () => {
    const shape = COMPONENT_SETTINGS.debezium.shape as Record<string, z.ZodType>;
    for (const [, name, fallback] of properties.matchAll(/\$\{([A-Z0-9_]+)(?::([^}]*))?\}/g)) {
      expect(shape[name!], `${name} declared by Debezium`).toBeDefined();
      if (fallback === undefined) expect(LOGIN_SETTINGS, name).toContain(name);
      else expect(fallback, name).toBe(declaredDefault(stackSetting(name as StackSetting)));
    }
  });

  it('keeps the settings production needs from day one', () => {
    for (const line of [
      'debezium.source.plugin.name=pgoutput',
      'debezium.source.publication.autocreate.mode=disabled',
      'debezium.source.offset.storage=io.debezium.storage.jdbc.offset.JdbcOffsetBackingStore',
      'debezium.sink.rabbitmq.deliveryMode=2',
      'debezium.transforms.outbox.type=io.debezium.transforms.outbox.EventRouter',
    ]) {
      expect(properties.split('\n')).toContain(line);
    }
    expect(properties).toMatch(/^debezium\.source\.heartbeat\.action\.query=/m);
    expect(properties).toMatch(/^quarkus\.http\.port=\$\{DEBEZIUM_HTTP_PORT:8083\}$/m);
  });
});

/** What a service is given that its component does not declare, or with another default. */
function undeclaredSettings(all: Record<string, ComposeService>): string[] {
  const wrong: string[] = [];
  for (const [name, settings] of Object.entries(declaredBy)) {
    const shape = settings.shape as Record<string, z.ZodType>;
    for (const [key, value] of Object.entries(all[name]!.environment ?? {})) {
      if (imageVariables[name]?.includes(key)) continue;
      if (!shape[key]) {
        wrong.push(`${name}: ${key} is not declared`);
        continue;
      }
      const fallback = /^\$\{[A-Z0-9_]+:-([^}]*)\}$/.exec(String(value))?.[1];
      // `${NAME:-}`: left empty, as a setting without a default is.
      if (fallback !== undefined && fallback !== (declaredDefault(shape[key]) ?? ''))
        wrong.push(`${name}: ${key} defaults to ${fallback}, declared ${declaredDefault(shape[key])}`);
    }
  }
  return wrong;
}

/**
 * An override file over a base, as compose merges them: a service's environment and depends_on
 * are merged key by key, its volumes by target path, its ports appended, any other key replaced.
 */
function mergeServices(
  base: Record<string, ComposeService>,
  over: Record<string, ComposeService>,
): Record<string, ComposeService> {
  const merged: Record<string, ComposeService> = { ...base };
  for (const [name, service] of Object.entries(over)) {
    const was = base[name] ?? {};
    const target = (volume: string) => volume.split(':')[1];
    const overTargets = new Set((service.volumes ?? []).map(target));
    merged[name] = {
      ...was,
      ...service,
      environment: { ...was.environment, ...service.environment },
      depends_on: { ...was.depends_on, ...service.depends_on },
      ports: [...(was.ports ?? []), ...(service.ports ?? [])],
      volumes: [...(was.volumes ?? []).filter((v) => !overTargets.has(target(v))), ...(service.volumes ?? [])],
    };
  }
  return merged;
}
