import { z } from 'zod';
import { describe, expect, it } from 'vitest';
import {
  checkHttpTimeouts,
  ConfigError,
  declaredDefault,
  duration,
  httpServerEnv,
  parseEnv,
  port,
  postgresUrl,
  rabbitUrl,
  rabbitUrls,
  brokerAddressOf,
  rabbitEnv,
  serverTimeouts,
  shopCurrency,
} from './index.ts';

const schema = z.object({ HTTP_PORT: port(8080), NAME: z.string().default('x') });

describe('parseEnv', () => {
  it('applies defaults and coerces numbers', () => {
    expect(parseEnv(schema, {})).toEqual({ HTTP_PORT: 8080, NAME: 'x' });
    expect(parseEnv(schema, { HTTP_PORT: '9000' })).toEqual({ HTTP_PORT: 9000, NAME: 'x' });
  });

  it('treats empty values as unset', () => {
    expect(parseEnv(schema, { HTTP_PORT: '', NAME: '' })).toEqual({ HTTP_PORT: 8080, NAME: 'x' });
  });

  it('lists every invalid variable in one error', () => {
    const bad = () => parseEnv(z.object({ A: port(1), B: port(2) }), { A: 'eighty', B: '70000' });
    expect(bad).toThrow(ConfigError);
    expect(bad).toThrow(/A: .*; B: /);
  });
});

describe('duration', () => {
  const spans = z.object({ SPAN: duration('1 day') });
  it('reads "<n> <unit>" as seconds, singular or plural, with the default when unset', () => {
    expect(parseEnv(spans, {})).toEqual({ SPAN: 86_400 });
    expect(parseEnv(spans, { SPAN: '15 minutes' })).toEqual({ SPAN: 900 });
    expect(parseEnv(spans, { SPAN: '1 hour' })).toEqual({ SPAN: 3600 });
    expect(parseEnv(spans, { SPAN: '2 weeks' })).toEqual({ SPAN: 1_209_600 });
  });

  it.each(['0 days', '-1 day', '1.5 days', '10 seconds', 'forever', '30', 'days'])('refuses %j', (text) => {
    expect(() => parseEnv(spans, { SPAN: text })).toThrow(/SPAN: a positive span/);
  });
});

describe('connection urls', () => {
  it('escapes credentials and the vhost', () => {
    expect(postgresUrl({ PG_HOST: 'h', PG_PORT: 5433, PG_USER: 'u', PG_PASSWORD: 'p@ss/word' }, 'db')).toBe(
      'postgres://u:p%40ss%2Fword@h:5433/db',
    );
    expect(
      rabbitUrl({ RABBITMQ_HOST: 'h', RABBITMQ_PORT: 5672, RABBITMQ_USER: 'g', RABBITMQ_PASSWORD: 'g', RABBITMQ_VHOST: '/' }),
    ).toBe('amqp://g:g@h:5672/%2F');
  });

  it('lists every broker node of RABBITMQ_ADDRESSES in order, or RABBITMQ_HOST:RABBITMQ_PORT alone', () => {
    const s = { RABBITMQ_HOST: 'h', RABBITMQ_PORT: 5672, RABBITMQ_USER: 'u', RABBITMQ_PASSWORD: 'p@', RABBITMQ_VHOST: '/' };
    expect(rabbitUrls(s)).toEqual(['amqp://u:p%40@h:5672/%2F']);
    expect(rabbitUrls({ ...s, RABBITMQ_ADDRESSES: '' })).toEqual(['amqp://u:p%40@h:5672/%2F']);
    expect(rabbitUrls({ ...s, RABBITMQ_ADDRESSES: 'a:1, b:2' })).toEqual(['amqp://u:p%40@a:1/%2F', 'amqp://u:p%40@b:2/%2F']);
    expect(brokerAddressOf('amqp://u:p%40@b:2/%2F')).toBe('b:2');
  });

  it('refuses a RABBITMQ_ADDRESSES that is not host:port, comma-separated', () => {
    const schema = z.object(rabbitEnv('u'));
    const env = { RABBITMQ_PASSWORD: 'p' };
    expect(parseEnv(schema, { ...env, RABBITMQ_ADDRESSES: '127.0.0.1:5682,127.0.0.1:5782' }).RABBITMQ_ADDRESSES).toBe(
      '127.0.0.1:5682,127.0.0.1:5782',
    );
    for (const bad of ['127.0.0.1', 'a:1;b:2', 'a:1,,b:2']) {
      expect(() => parseEnv(schema, { ...env, RABBITMQ_ADDRESSES: bad }), bad).toThrow(/RABBITMQ_ADDRESSES/);
    }
  });
});

describe('HTTP server timeouts', () => {
  const schema = checkHttpTimeouts(z.object(httpServerEnv));

  it('default to 10 s for headers, 30 s for the request, 5 s keep-alive, 60 s of silence', () => {
    expect(serverTimeouts(parseEnv(schema, {}))).toEqual({
      headersMs: 10_000,
      requestMs: 30_000,
      keepAliveMs: 5_000,
      socketMs: 60_000,
    });
  });

  it('refuses a headers timeout longer than the request timeout, which Node would throw on', () => {
    expect(() => parseEnv(schema, { HTTP_HEADERS_TIMEOUT_MS: '20000', HTTP_REQUEST_TIMEOUT_MS: '10000' })).toThrow(
      /HTTP_HEADERS_TIMEOUT_MS: must not exceed HTTP_REQUEST_TIMEOUT_MS/,
    );
    expect(() => parseEnv(schema, { HTTP_REQUEST_TIMEOUT_MS: '0' })).toThrow(ConfigError);
  });
});

describe('declaredDefault', () => {
  it('reads the default as written, before any transform; none when the setting has none', () => {
    expect(declaredDefault(port(8080))).toBe('8080');
    expect(declaredDefault(duration('30 days'))).toBe('30 days');
    expect(
      declaredDefault(
        z
          .enum(['true', 'false'])
          .default('true')
          .transform((v) => v === 'true'),
      ),
    ).toBe('true');
    expect(declaredDefault(z.string().optional())).toBeUndefined();
    expect(declaredDefault(z.preprocess((v) => v, z.string().optional()))).toBeUndefined();
  });
});

describe('shopCurrency', () => {
  const currency = z.object({ SHOP_CURRENCY: shopCurrency('USD') });

  it('defaults to USD and takes a currency whose minor unit is a hundredth', () => {
    expect(parseEnv(currency, {})).toEqual({ SHOP_CURRENCY: 'USD' });
    expect(parseEnv(currency, { SHOP_CURRENCY: 'EUR' })).toEqual({ SHOP_CURRENCY: 'EUR' });
  });

  it('refuses what is not an ISO 4217 code in capitals, and currencies the cents columns would store wrongly', () => {
    for (const code of ['usd', 'US', 'DOLLAR', 'XYZ', 'JPY', 'KWD']) {
      expect(() => parseEnv(currency, { SHOP_CURRENCY: code }), code).toThrow(/SHOP_CURRENCY/);
    }
  });
});
