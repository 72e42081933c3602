import { describe, expect, it } from 'vitest';
import { loadConfig } from './config.ts';

const withPassword = (env: Record<string, string>) => ({
  PG_PASSWORD: 'its-own-password',
  RABBITMQ_PASSWORD: 'its-broker-password',
  ...env,
});

describe('query-api config', () => {
  it('defaults to the contract port and the read database', () => {
    expect(loadConfig(withPassword({}))).toMatchObject({ QUERY_API_PORT: 8081, READ_DB_NAME: 'shop_read' });
  });

  it('takes the port from QUERY_API_PORT', () => {
    expect(loadConfig(withPassword({ QUERY_API_PORT: '9081' })).QUERY_API_PORT).toBe(9081);
  });

  it('console: read-only without a token, refuses a short one, lists projector URLs', () => {
    expect(loadConfig(withPassword({})).CONSOLE_ADMIN_TOKEN).toBeUndefined();
    expect(loadConfig(withPassword({ CONSOLE_ADMIN_TOKEN: '' })).CONSOLE_ADMIN_TOKEN).toBeUndefined();
    expect(() => loadConfig(withPassword({ CONSOLE_ADMIN_TOKEN: 'short' }))).toThrow(/CONSOLE_ADMIN_TOKEN/);
    expect(loadConfig(withPassword({})).PROJECTOR_URLS).toEqual(['http://127.0.0.1:8082']);
    expect(loadConfig(withPassword({ PROJECTOR_URLS: 'http://a:1, http://b:2' })).PROJECTOR_URLS).toEqual([
      'http://a:1',
      'http://b:2',
    ]);
    expect(() => loadConfig(withPassword({ PROJECTOR_URLS: 'not a url' }))).toThrow(/PROJECTOR_URLS/);
  });

  it('logs in as its own role, and has no default password', () => {
    expect(loadConfig(withPassword({})).PG_USER).toBe('shop_query_api');
    expect(() => loadConfig({})).toThrow(/PG_PASSWORD: required/);
  });

  it('caps: defaults, and refuses a cap that is not a positive integer', () => {
    expect(loadConfig(withPassword({}))).toMatchObject({
      CONSOLE_MAX_SUBSCRIBERS: 20,
      CONSOLE_DEAD_LETTER_LIMIT: 200,
      CONSISTENCY_MAX_WAITERS: 1000,
    });
    expect(loadConfig(withPassword({ CONSISTENCY_MAX_WAITERS: '5' })).CONSISTENCY_MAX_WAITERS).toBe(5);
    for (const name of ['CONSOLE_MAX_SUBSCRIBERS', 'CONSOLE_DEAD_LETTER_LIMIT', 'CONSISTENCY_MAX_WAITERS'])
      for (const bad of ['0', '-1', '1.5', 'many'])
        expect(() => loadConfig(withPassword({ [name]: bad })), `${name}=${bad}`).toThrow(name);
  });
});
