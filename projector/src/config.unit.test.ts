import { describe, expect, it } from 'vitest';
import { ConfigError } from '@shop/shared/config';
import { loadConfig } from './config.ts';

const withPassword = (env: Record<string, string>) => ({
  PG_PASSWORD: 'its-own-password',
  RABBITMQ_PASSWORD: 'its-broker-password',
  ...env,
});

describe('projector config', () => {
  it('has defaults for every setting', () => {
    expect(loadConfig(withPassword({}))).toMatchObject({
      PROJECTOR_PORT: 8082,
      READ_DB_NAME: 'shop_read',
      EVENTS_EXCHANGE: 'shop.events',
      PROJECTOR_QUEUE: 'shop.projector',
      PROJECTOR_PREFETCH: 2000,
      PROJECTOR_BATCH_SIZE: 1000,
      PROJECTOR_SHARDS: 'all',
    });
  });

  it('reads a shard list and refuses shards out of range', () => {
    expect(loadConfig(withPassword({ PROJECTOR_SHARDS: '3, 1,1' })).PROJECTOR_SHARDS).toEqual([1, 3]);
    expect(loadConfig(withPassword({ PROJECTOR_SHARDS: '8,15' })).PROJECTOR_SHARDS).toEqual([8, 15]);
    expect(() => loadConfig(withPassword({ PROJECTOR_SHARDS: '256' }))).toThrow(ConfigError);
    expect(() => loadConfig(withPassword({ PROJECTOR_SHARDS: '-1' }))).toThrow(ConfigError);
    expect(() => loadConfig(withPassword({ PROJECTOR_SHARDS: 'one' }))).toThrow(ConfigError);
  });

  it('reads overrides and rejects a non-numeric prefetch', () => {
    expect(loadConfig(withPassword({ PROJECTOR_PREFETCH: '500' })).PROJECTOR_PREFETCH).toBe(500);
    expect(() => loadConfig(withPassword({ PROJECTOR_PREFETCH: 'lots' }))).toThrow(ConfigError);
  });

  it('logs in as its own role, and has no default password', () => {
    expect(loadConfig(withPassword({})).PG_USER).toBe('shop_projector');
    expect(() => loadConfig({})).toThrow(/PG_PASSWORD: required/);
  });
});
