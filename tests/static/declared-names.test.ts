import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import type { z } from 'zod';
import { declaredDefault, sharedSettings } from '@shop/shared/config';
import { COMPONENT_SETTINGS, repoRoot } from '../../infra/src/stack-config.ts';

const read = (path: string) => readFileSync(join(repoRoot, path), 'utf8');

/** Names written as literals where no TypeScript reads them (SQL, compose): each must be its declaration's. */
describe('names written outside TypeScript', () => {
  it("the signal table the write side's migrations create and grant is DEBEZIUM_SIGNAL_TABLE's default", () => {
    const table = declaredDefault(sharedSettings.DEBEZIUM_SIGNAL_TABLE);
    expect(/^CREATE TABLE (\w+) \(/m.exec(read('command-api/migrations/005_debezium_signal.sql'))?.[1]).toBe(table);
    const grants = [...read('command-api/migrations/009_least_privilege.sql').matchAll(/^GRANT .* ON (\w*signal\w*) TO/gm)];
    expect(grants.length).toBeGreaterThan(0);
    for (const [, name] of grants) expect(name).toBe(table);
  });

  it('compose logs each component in as the user its settings name by default', () => {
    const compose = parse(read('docker-compose.yml'), { merge: true }) as {
      services: Record<string, { environment?: Record<string, string> }>;
    };
    const componentOf: Record<string, z.ZodObject> = {
      migrate: COMPONENT_SETTINGS['write-setup'],
      'command-api': COMPONENT_SETTINGS['command-api'],
      projector: COMPONENT_SETTINGS.projector,
      'query-api': COMPONENT_SETTINGS['query-api'],
      debezium: COMPONENT_SETTINGS.debezium,
    };
    for (const [service, settings] of Object.entries(componentOf)) {
      const shape = settings.shape as Record<string, z.ZodType>;
      for (const login of ['PG_USER', 'RABBITMQ_USER']) {
        const given = compose.services[service]!.environment?.[login];
        if (given !== undefined) expect(given, `${service}: ${login}`).toBe(declaredDefault(shape[login]!));
      }
    }
  });
});
