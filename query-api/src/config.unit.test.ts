import { describe, expect, it } from 'vitest';
import { loadConfig } from './config.ts';

describe('query-api config', () => {
  it('defaults to the contract port and the read database', () => {
    expect(loadConfig({})).toMatchObject({ QUERY_API_PORT: 8081, READ_DB_NAME: 'shop_read' });
  });

  it('takes the port from QUERY_API_PORT', () => {
    expect(loadConfig({ QUERY_API_PORT: '9081' }).QUERY_API_PORT).toBe(9081);
  });
});
