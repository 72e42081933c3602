import { describe, expect, it } from 'vitest';
import { ConfigError } from '@shop/shared/config';
import { loadConfig } from './config.ts';

const withPassword = (env: Record<string, string>) => ({ PG_PASSWORD: 'its-own-password', ...env });

describe('command-api config', () => {
  it('defaults to the contract port and the native cluster', () => {
    expect(loadConfig(withPassword({}))).toMatchObject({
      COMMAND_API_PORT: 8080,
      PG_PORT: 5433,
      WRITE_DB_NAME: 'shop_write',
      DB_POOL_MAX: 10,
    });
  });

  it('refuses a pool size of zero and a port out of range', () => {
    expect(() => loadConfig(withPassword({ DB_POOL_MAX: '0', COMMAND_API_PORT: '80800' }))).toThrow(ConfigError);
  });

  it('logs in as its own role, and has no default password', () => {
    expect(loadConfig(withPassword({})).PG_USER).toBe('shop_command_api');
    expect(() => loadConfig({})).toThrow(/PG_PASSWORD: required/);
  });
});
