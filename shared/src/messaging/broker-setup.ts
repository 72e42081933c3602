import { z } from 'zod';
import { parseEnv, port } from '../config/index.ts';
import { BROKER_USERS, brokerDefinitions, type BrokerLogin } from './broker-users.ts';

/**
 * docker compose's broker-setup: imports the stack's broker users (broker-users.ts) into the
 * compose broker through its management API, as the admin user the image made on first boot
 * (RABBITMQ_DEFAULT_USER). Runs on every `up`, so a changed password takes effect.
 */
const schema = z.object({
  RABBITMQ_HOST: z.string().default('rabbitmq'),
  RABBITMQ_MANAGEMENT_API_PORT: port(15672),
  RABBITMQ_VHOST: z.string().default('/'),
  EVENTS_EXCHANGE: z.string().min(1).default('shop.events'),
  PROJECTOR_QUEUE: z.string().min(1).default('shop.projector'),
  DEBEZIUM_TOPIC_PREFIX: z.string().min(1).default('shop'),
  RABBITMQ_ADMIN_PASSWORD: z.string().min(16),
  RABBITMQ_DEBEZIUM_PASSWORD: z.string().min(16),
  RABBITMQ_PROJECTOR_PASSWORD: z.string().min(16),
  RABBITMQ_QUERY_API_PASSWORD: z.string().min(16),
});

export async function importBrokerUsers(env: Record<string, string | undefined>): Promise<void> {
  const s = parseEnv(schema, env);
  const passwords: Record<BrokerLogin, string> = {
    admin: s.RABBITMQ_ADMIN_PASSWORD,
    debezium: s.RABBITMQ_DEBEZIUM_PASSWORD,
    projector: s.RABBITMQ_PROJECTOR_PASSWORD,
    'query-api': s.RABBITMQ_QUERY_API_PASSWORD,
  };
  const names = {
    exchange: s.EVENTS_EXCHANGE,
    queue: s.PROJECTOR_QUEUE,
    topicPrefix: s.DEBEZIUM_TOPIC_PREFIX,
    vhost: s.RABBITMQ_VHOST,
  };
  const res = await fetch(`http://${s.RABBITMQ_HOST}:${s.RABBITMQ_MANAGEMENT_API_PORT}/api/definitions`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      authorization: `Basic ${Buffer.from(`${BROKER_USERS.admin}:${s.RABBITMQ_ADMIN_PASSWORD}`).toString('base64')}`,
    },
    body: JSON.stringify(brokerDefinitions(names, passwords)),
  });
  if (!res.ok) throw new Error(`the broker refused the users' definitions: ${res.status} ${await res.text()}`);
}
