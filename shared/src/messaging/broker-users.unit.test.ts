import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { brokerDefinitions, brokerPermissions, brokerTopicPermissions, hashBrokerPassword } from './broker-users.ts';

const names = {
  exchange: 'shop.events',
  queue: 'shop.projector',
  topicPrefix: 'shop',
  vhost: '/',
  notifierQueue: 'shop.notifier',
};
const matches = (pattern: string, name: string) => new RegExp(pattern).test(name);

describe('broker users', () => {
  const p = brokerPermissions(names);

  it('lets Debezium write the events exchange only, and read or declare nothing', () => {
    expect(matches(p.debezium.write, 'shop.events')).toBe(true);
    for (const name of ['shop.events.dlx', 'shop.projector.0', 'shop.eventsX', 'xshop.events', 'amq.default']) {
      expect(matches(p.debezium.write, name), name).toBe(false);
    }
    expect(matches(p.debezium.read, 'shop.projector.0')).toBe(false);
    expect(matches(p.debezium.configure, 'shop.events')).toBe(false);
  });

  it('lets a projector consume its shard queues and dead-letter, but not publish an event', () => {
    for (const name of ['shop.projector.0', 'shop.projector.7', 'shop.projector.dlq'])
      expect(matches(p.projector.read, name), name).toBe(true);
    expect(matches(p.projector.write, 'shop.events.dlx')).toBe(true);
    expect(matches(p.projector.write, 'shop.events')).toBe(false);
    expect(matches(p.projector.read, 'other.projector.0')).toBe(false);
    expect(matches(p.projector.configure, 'shop.projector.planted')).toBe(false);
  });

  it('lets the console read the dead-letter queue and re-drive to the exchange, nothing else', () => {
    expect(matches(p['query-api'].read, 'shop.projector.dlq')).toBe(true);
    expect(matches(p['query-api'].read, 'shop.projector.0')).toBe(false);
    expect(matches(p['query-api'].write, 'shop.events')).toBe(true);
    expect(matches(p['query-api'].write, 'shop.events.dlx')).toBe(false);
    const topic = brokerTopicPermissions(names)['query-api']!;
    expect(matches(topic.write, 'outbox.event.order.3')).toBe(true);
    expect(matches(topic.write, 'shop.public.products')).toBe(false);
  });

  it('lets the notifier declare, bind and consume its own queues only, and publish only to its own dead-letter exchange', () => {
    for (const name of ['shop.notifier.0', 'shop.notifier.15', 'shop.notifier.dlq']) {
      expect(matches(p.notifier.read, name), name).toBe(true);
      expect(matches(p.notifier.configure, name), name).toBe(true);
    }
    expect(matches(p.notifier.read, 'shop.events'), 'binding reads the events exchange').toBe(true);
    expect(matches(p.notifier.write, 'shop.notifier.dlx')).toBe(true);
    for (const name of ['shop.events', 'shop.events.dlx', 'shop.projector.0', 'shop.projector.dlq'])
      expect(matches(p.notifier.write, name), name).toBe(false);
    for (const name of ['shop.projector.0', 'shop.projector.dlq', 'shop.events.dlx'])
      expect(matches(p.notifier.read, name), name).toBe(false);
    expect(matches(p.notifier.configure, 'shop.notifier.planted')).toBe(false);
    expect(matches(p.projector.read, 'shop.notifier.0')).toBe(false);
    expect(brokerTopicPermissions(names).notifier).toBeUndefined();
  });

  it('escapes the configured names: a dot is a dot', () => {
    expect(matches(brokerPermissions({ ...names, exchange: 'a.b' }).debezium.write, 'aXb')).toBe(false);
  });

  it("hashes as RabbitMQ's rabbit_password_hashing_sha256 does: salt, then SHA-256 of salt and password", () => {
    const salt = Buffer.from([1, 2, 3, 4]);
    const decoded = Buffer.from(hashBrokerPassword('s3cret', salt), 'base64');
    expect(decoded.subarray(0, 4)).toEqual(salt);
    expect(decoded.subarray(4)).toEqual(
      createHash('sha256')
        .update(Buffer.concat([salt, Buffer.from('s3cret')]))
        .digest(),
    );
  });

  it('defines five users with hashes, never a password in clear, and no guest', () => {
    const passwords = {
      admin: 'a'.repeat(20),
      debezium: 'd'.repeat(20),
      projector: 'p'.repeat(20),
      'query-api': 'q'.repeat(20),
      notifier: 'n'.repeat(20),
    };
    const text = JSON.stringify(brokerDefinitions(names, passwords));
    for (const password of Object.values(passwords)) expect(text).not.toContain(password);
    const users = brokerDefinitions(names, passwords).users.map((u) => u.name);
    expect(users).toEqual(['shop_admin', 'shop_debezium', 'shop_projector', 'shop_query_api', 'shop_notifier']);
  });
});
