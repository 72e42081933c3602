import { join } from 'node:path';

/** What the layout of a stack's broker nodes depends on: a few of its settings. */
export interface ClusterSettings {
  RABBITMQ_PRIVATE_NODE: string;
  RABBITMQ_HOST: string;
  RABBITMQ_PORT: number;
  RABBITMQ_NODES: number;
  stackDir: string;
}

/** One broker node of the stack: where it runs and under which names. */
export interface RabbitNodeLayout {
  /** 1-based; node 1 is the one a single-node stack has always run. */
  index: number;
  /** Its pid and log name under the stack's folder. */
  pidName: string;
  /** Its Erlang node name, as rabbitmqctl -n takes it. */
  erlangNode: string;
  amqpPort: number;
  /** Erlang distribution (clustering and the CLI tools). */
  distPort: number;
  /** Its HOME: configuration, cookie, data (mnesia) and logs. */
  dataDir: string;
}

export const RABBITMQ = 'rabbitmq';
export const RABBITMQ_PROXY = 'rabbitmq-proxy';

/** Node i sits 100 ports above node i-1, its distribution port 20 000 above its AMQP port. */
const NODE_PORT_STEP = 100;
const DIST_PORT_OFFSET = 20_000;
/** The proxy Debezium publishes through, when there are several nodes. */
const PROXY_PORT_OFFSET = 1_000;

/**
 * Node `index` (1-based). Node 1 keeps the names, ports and folder of the single node the stack
 * ran before clusters, so a stack's existing data is its node 1.
 */
export function rabbitNodeLayout(s: ClusterSettings, index: number): RabbitNodeLayout {
  const amqpPort = s.RABBITMQ_PORT + NODE_PORT_STEP * (index - 1);
  const suffix = index === 1 ? '' : `-${index}`;
  return {
    index,
    pidName: `${RABBITMQ}${suffix}`,
    erlangNode: `${s.RABBITMQ_PRIVATE_NODE}${index === 1 ? '' : `_${index}`}@localhost`,
    amqpPort,
    distPort: amqpPort + DIST_PORT_OFFSET,
    dataDir: join(s.stackDir, `${RABBITMQ}${suffix}`),
  };
}

/** Every node of the stack, node 1 first; none when the stack uses a broker it does not run. */
export function rabbitClusterLayout(s: ClusterSettings): RabbitNodeLayout[] {
  if (!s.RABBITMQ_PRIVATE_NODE) return [];
  return Array.from({ length: s.RABBITMQ_NODES }, (_, i) => rabbitNodeLayout(s, i + 1));
}

/** True when the stack runs several nodes (and so the proxy). */
export const isClustered = (s: ClusterSettings) => Boolean(s.RABBITMQ_PRIVATE_NODE) && s.RABBITMQ_NODES > 1;

export const proxyPort = (s: Pick<ClusterSettings, 'RABBITMQ_PORT'>) => s.RABBITMQ_PORT + PROXY_PORT_OFFSET;

/** RABBITMQ_ADDRESSES for the components: every node, node 1 first. */
export const clusterAddresses = (s: ClusterSettings) =>
  rabbitClusterLayout(s)
    .map((node) => `${s.RABBITMQ_HOST}:${node.amqpPort}`)
    .join(',');

/**
 * HAProxy in TCP mode in front of every node: a node is checked every second and taken out after
 * two failed checks (its sessions cut, so a publisher reconnects at once to a live node), back in
 * after two good ones.
 */
export function haproxyConfig(s: ClusterSettings): string {
  const servers = rabbitClusterLayout(s).map(
    (node) =>
      `  server node${node.index} 127.0.0.1:${node.amqpPort} check inter 1s fall 2 rise 2 on-marked-down shutdown-sessions`,
  );
  return [
    'global',
    '  maxconn 1024',
    'defaults',
    '  mode tcp',
    // A connect refused by a node not yet marked down is tried again on another node.
    '  retries 3',
    '  option redispatch',
    '  timeout connect 2s',
    // AMQP heartbeats (60 s by default) keep an idle connection alive well inside these.
    '  timeout client 3h',
    '  timeout server 3h',
    'frontend amqp',
    `  bind 127.0.0.1:${proxyPort(s)}`,
    '  default_backend rabbitmq_nodes',
    'backend rabbitmq_nodes',
    '  balance roundrobin',
    '  option tcp-check',
    ...servers,
    '',
  ].join('\n');
}
