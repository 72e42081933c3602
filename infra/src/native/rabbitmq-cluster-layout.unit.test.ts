import { describe, expect, it } from 'vitest';
import { clusterAddresses, haproxyConfig, isClustered, proxyPort, rabbitClusterLayout } from './rabbitmq-cluster-layout.ts';

const settings = {
  RABBITMQ_PRIVATE_NODE: 'cqrs_dev',
  RABBITMQ_HOST: '127.0.0.1',
  RABBITMQ_PORT: 5682,
  RABBITMQ_NODES: 3,
  stackDir: '/s',
};

describe('the layout of a stack’s broker nodes', () => {
  it('node 1 keeps the single node’s names, ports and folder; node i sits 100 ports above node i-1', () => {
    expect(rabbitClusterLayout(settings)).toEqual([
      {
        index: 1,
        pidName: 'rabbitmq',
        erlangNode: 'cqrs_dev@localhost',
        amqpPort: 5682,
        distPort: 25682,
        dataDir: '/s/rabbitmq',
      },
      {
        index: 2,
        pidName: 'rabbitmq-2',
        erlangNode: 'cqrs_dev_2@localhost',
        amqpPort: 5782,
        distPort: 25782,
        dataDir: '/s/rabbitmq-2',
      },
      {
        index: 3,
        pidName: 'rabbitmq-3',
        erlangNode: 'cqrs_dev_3@localhost',
        amqpPort: 5882,
        distPort: 25882,
        dataDir: '/s/rabbitmq-3',
      },
    ]);
  });

  it('one node: exactly the node the stack always ran, no proxy, the components’ address list is that node', () => {
    const one = { ...settings, RABBITMQ_NODES: 1 };
    expect(rabbitClusterLayout(one).map((n) => [n.pidName, n.erlangNode, n.amqpPort])).toEqual([
      ['rabbitmq', 'cqrs_dev@localhost', 5682],
    ]);
    expect(isClustered(one)).toBe(false);
    expect(clusterAddresses(one)).toBe('127.0.0.1:5682');
  });

  it('an external broker (no private node): no node of the stack’s own, no proxy', () => {
    const external = { ...settings, RABBITMQ_PRIVATE_NODE: '' };
    expect(rabbitClusterLayout(external)).toEqual([]);
    expect(isClustered(external)).toBe(false);
  });

  it('five nodes (the most allowed) stay below the ephemeral port range, and off the proxy’s port', () => {
    const layout = rabbitClusterLayout({ ...settings, RABBITMQ_PORT: 5677, RABBITMQ_NODES: 5 });
    for (const node of layout) expect(node.distPort).toBeLessThan(32_768);
    expect(layout.map((n) => n.amqpPort)).not.toContain(proxyPort({ RABBITMQ_PORT: 5677 }));
  });

  it('the components get every node, node 1 first; HAProxy balances over every node with fast health checks', () => {
    expect(clusterAddresses(settings)).toBe('127.0.0.1:5682,127.0.0.1:5782,127.0.0.1:5882');
    const cfg = haproxyConfig(settings);
    expect(cfg).toContain('bind 127.0.0.1:6682');
    expect(cfg).toContain('mode tcp');
    for (const port of [5682, 5782, 5882]) {
      expect(cfg).toMatch(
        new RegExp(`server node\\d 127\\.0\\.0\\.1:${port} check inter 1s fall 2 rise 2 on-marked-down shutdown-sessions`),
      );
    }
  });
});
