import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseEnv } from 'node:util';
import { describe, expect, it } from 'vitest';
import { SECRET_SETTINGS } from '../../infra/src/secrets.ts';
import { devStackConfig, repoRoot, STACK_SETTINGS, testStackConfig } from '../../infra/src/stack-config.ts';

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
      'DEBEZIUM_SLOT',
      'DEBEZIUM_PUBLICATION',
      'STACK_DIR',
    ] as const;
    for (const key of isolated) expect(test[key], key).not.toBe(dev[key]);
  });
});
