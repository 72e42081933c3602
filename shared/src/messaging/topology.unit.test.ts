import { describe, expect, it } from 'vitest';
import { shardOfRoutingKey } from './topology.ts';

describe('shardOfRoutingKey', () => {
  it('reads the shard of an outbox routing key', () => {
    expect(shardOfRoutingKey('outbox.event.product.3')).toBe(3);
    expect(shardOfRoutingKey('outbox.event.order.0')).toBe(0);
    expect(shardOfRoutingKey('outbox.event.order.15')).toBe(15);
  });
  it('is undefined for anything else', () => {
    for (const key of [
      '',
      'outbox.event.product',
      'outbox.event.product.256',
      'outbox.event.product.-1',
      'x.event.product.1',
      'outbox.event.product.1.2',
    ]) {
      expect(shardOfRoutingKey(key), key).toBeUndefined();
    }
  });
});
