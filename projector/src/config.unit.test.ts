import { describe, expect, it } from 'vitest';
import { ConfigError } from '@shop/shared/config';
import { loadConfig } from './config.ts';

describe('projector config', () => {
  it('has defaults for every setting', () => {
    expect(loadConfig({})).toMatchObject({
      PROJECTOR_PORT: 8082,
      READ_DB_NAME: 'shop_read',
      EVENTS_EXCHANGE: 'shop.events',
      PROJECTOR_QUEUE: 'shop.projector',
      PROJECTOR_PREFETCH: 100,
    });
  });

  it('reads overrides and rejects a non-numeric prefetch', () => {
    expect(loadConfig({ PROJECTOR_PREFETCH: '500' }).PROJECTOR_PREFETCH).toBe(500);
    expect(() => loadConfig({ PROJECTOR_PREFETCH: 'lots' })).toThrow(ConfigError);
  });
});
