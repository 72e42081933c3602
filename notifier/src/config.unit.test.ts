import { describe, expect, it } from 'vitest';
import { ConfigError } from '@shop/shared/config';
import { loadConfig, webhookOf } from './config.ts';

const base = { PG_PASSWORD: 'p'.repeat(20), RABBITMQ_PASSWORD: 'r'.repeat(20) };

describe('notifier config', () => {
  it('defaults to table mode on port 8085 with queues shop.notifier.<n>', () => {
    const config = loadConfig(base);
    expect(config.NOTIFIER_PORT).toBe(8085);
    expect(config.NOTIFIER_QUEUE).toBe('shop.notifier');
    expect(config.PG_USER).toBe('shop_notifier');
    expect(config.RABBITMQ_USER).toBe('shop_notifier');
    expect(webhookOf(config)).toBeUndefined();
  });

  it('requires the secret with a URL, and never says the secret in an error', () => {
    expect(() => loadConfig({ ...base, NOTIFIER_WEBHOOK_URL: 'http://127.0.0.1:9999/hook' })).toThrow(/NOTIFIER_WEBHOOK_SECRET/);
    const short = 'short-secret';
    try {
      loadConfig({ ...base, NOTIFIER_WEBHOOK_URL: 'http://127.0.0.1:9999/hook', NOTIFIER_WEBHOOK_SECRET: short });
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      expect((err as Error).message).not.toContain(short);
    }
    const config = loadConfig({
      ...base,
      NOTIFIER_WEBHOOK_URL: 'https://example.test/hook',
      NOTIFIER_WEBHOOK_SECRET: 's'.repeat(32),
    });
    expect(webhookOf(config)).toEqual({ url: 'https://example.test/hook', secret: 's'.repeat(32) });
  });

  it('refuses a URL that is not http(s)', () => {
    expect(() => loadConfig({ ...base, NOTIFIER_WEBHOOK_URL: 'ftp://x/y', NOTIFIER_WEBHOOK_SECRET: 's'.repeat(32) })).toThrow(
      ConfigError,
    );
  });
});
