import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseEnv } from 'node:util';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { repoRoot } from '../../infra/src/stack-config.ts';

interface ComposeService {
  image?: string;
  command?: string[];
  build?: { context: string; dockerfile: string; args?: Record<string, string> };
  environment?: Record<string, string>;
  ports?: string[];
  volumes?: string[];
  depends_on?: Record<string, unknown>;
}

const read = (path: string) => readFileSync(join(repoRoot, path), 'utf8');
const composeText = read('docker-compose.yml');
const compose = parse(composeText, { merge: true }) as { services: Record<string, ComposeService> };
const example = parseEnv(read('.env.example'));
const services = compose.services;
/** application.properties without its comments. */
const properties = read('debezium/config/application.properties')
  .split('\n')
  .filter((line) => !line.trimStart().startsWith('#'))
  .join('\n');

/** `${NAME:-default}` substitutions: compose's own defaults must be .env.example's. */
const substitutions = [...composeText.matchAll(/\$\{([A-Z0-9_]+)(?::-([^}]*))?\}/g)].map((m) => ({
  name: m[1]!,
  fallback: m[2],
}));

describe('docker-compose.yml', () => {
  it('runs the same pieces as the native stack', () => {
    expect(Object.keys(services).sort()).toEqual(['command-api', 'debezium', 'postgres', 'projector', 'query-api', 'rabbitmq']);
    expect(services.postgres!.command).toContain('wal_level=logical');
    expect(services.rabbitmq!.image).toMatch(/management/);
    expect(services.rabbitmq!.ports).toContain('15672:15672');
  });

  it('builds each service from a folder that exists, with an entry file', () => {
    for (const name of ['command-api', 'projector', 'query-api']) {
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

  it('publishes the contract ports from the documented settings', () => {
    expect(services['command-api']!.ports).toEqual(['${COMMAND_API_PORT:-8080}:${COMMAND_API_PORT:-8080}']);
    expect(services['query-api']!.ports).toEqual(['${QUERY_API_PORT:-8081}:${QUERY_API_PORT:-8081}']);
    expect(example.COMMAND_API_PORT).toBe('8080');
    expect(example.QUERY_API_PORT).toBe('8081');
  });

  it('gives each node service only documented variables, and Debezium every variable its config reads', () => {
    for (const [name, service] of Object.entries(services)) {
      if (!service.build) continue;
      for (const key of Object.keys(service.environment ?? {})) expect(Object.keys(example), `${name}: ${key}`).toContain(key);
    }
    const used = new Set([...properties.matchAll(/\$\{([A-Z0-9_]+):([^}]*)\}/g)].map((m) => m[1]!));
    for (const key of used) expect(Object.keys(services.debezium!.environment!), key).toContain(key);
  });

  it('mounts files that exist', () => {
    for (const service of Object.values(services)) {
      for (const volume of service.volumes ?? []) {
        const source = volume.split(':')[0]!;
        if (source.startsWith('./')) expect(existsSync(join(repoRoot, source)), source).toBe(true);
      }
    }
  });
});

describe('debezium/config/application.properties', () => {
  it('defaults every ${VAR:default} to the value in .env.example', () => {
    for (const [, name, fallback] of properties.matchAll(/\$\{([A-Z0-9_]+):([^}]*)\}/g)) {
      expect(example[name!], name).toBe(fallback);
    }
  });

  it('keeps the settings production needs from day one', () => {
    for (const line of [
      'debezium.source.plugin.name=pgoutput',
      'debezium.source.publication.autocreate.mode=filtered',
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
