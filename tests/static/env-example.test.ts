import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseEnv } from 'node:util';
import { describe, expect, it } from 'vitest';
import { declaredDefault, LOGIN_SETTINGS } from '@shop/shared/config';
import { SECRET_SETTINGS } from '../../infra/src/secrets.ts';
import {
  COMPONENT_SETTINGS,
  devStackConfig,
  repoRoot,
  STACK_SETTINGS,
  stackSetting,
  testStackConfig,
  type StackSetting,
} from '../../infra/src/stack-config.ts';

const example = parseEnv(readFileSync(join(repoRoot, '.env.example'), 'utf8'));
const noDotenv = join(repoRoot, 'tests', 'static', 'no-such.env');

describe('.env.example', () => {
  it('documents every setting of the stack with the default the code uses', () => {
    const defaults = devStackConfig({}, noDotenv);
    expect(Object.keys(example).sort()).toEqual([...STACK_SETTINGS].sort());
    for (const key of STACK_SETTINGS) {
      // A secret has no default: it is generated into the stack's folder unless given.
      if ((SECRET_SETTINGS as readonly string[]).includes(key)) {
        expect(example[key], key).toBe('');
        continue;
      }
      expect(example[key], key).toBe(defaults.settingText[key] ?? '');
    }
  });

  it('lists every declared setting with its one default (empty when it has none)', () => {
    const missing = STACK_SETTINGS.filter((key) => !(key in example));
    const undeclared = Object.keys(example).filter((key) => !(STACK_SETTINGS as string[]).includes(key));
    const wrong = STACK_SETTINGS.filter((key) => key in example && example[key] !== (declaredDefault(stackSetting(key)) ?? ''));
    expect({ missing, undeclared, wrong }).toEqual({ missing: [], undeclared: [], wrong: [] });
  });

  it('has one declaration per setting: what two components read is the same, and the stack takes it', () => {
    const components = Object.entries(COMPONENT_SETTINGS);
    const logins = new Set<string>(LOGIN_SETTINGS);
    // The stack's own broker node listens on 5682; a component run on its own looks on 5672.
    const stackOverrides = new Set(['RABBITMQ_PORT']);
    for (const [name, settings] of components) {
      for (const [key, declaration] of Object.entries(settings.shape)) {
        if (logins.has(key)) continue;
        for (const [other, otherSettings] of components) {
          const theirs = (otherSettings.shape as Record<string, unknown>)[key];
          if (theirs !== undefined) expect(theirs, `${key}: ${name} and ${other}`).toBe(declaration);
        }
        if (!stackOverrides.has(key)) expect(stackSetting(key as StackSetting), `${key}: the stack`).toBe(declaration);
      }
    }
  });

  it('the test stack shares no port, database, slot, exchange or queue with the default stack', () => {
    const dev = devStackConfig({}, noDotenv);
    const test = testStackConfig();
    const isolated = [
      'COMMAND_API_PORT',
      'QUERY_API_PORT',
      'PROJECTOR_PORT',
      'DEBEZIUM_HTTP_PORT',
      'PG_PORT',
      'WRITE_DB_NAME',
      'READ_DB_NAME',
      'EVENTS_EXCHANGE',
      'PROJECTOR_QUEUE',
      'NOTIFIER_PORT',
      'NOTIFIER_QUEUE',
      'DEBEZIUM_SLOT',
      'DEBEZIUM_PUBLICATION',
      'STACK_DIR',
    ] as const;
    for (const key of isolated) expect(test[key], key).not.toBe(dev[key]);
  });
});
