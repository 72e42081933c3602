import { z } from 'zod';
import { parseEnv, port, rabbitPlaceEnv, sharedSettings } from '../config/index.ts';
import { BROKER_PASSWORD_SETTINGS, BROKER_USERS, brokerDefinitions, brokerPasswordsFrom } from './broker-users.ts';

/**
 * docker compose's broker-setup: imports the stack's broker users (broker-users.ts) into the
 * compose broker through its management API, as the admin user the image made on first boot
 * (RABBITMQ_DEFAULT_USER). Runs on every `up`, so a changed password takes effect.
 */
export const brokerSetupSettings = z.object({
  ...rabbitPlaceEnv,
  // The management API's port inside compose's network (the image's; not published, not a setting of the stack).
  RABBITMQ_MANAGEMENT_API_PORT: port(15672),
  DEBEZIUM_TOPIC_PREFIX: sharedSettings.DEBEZIUM_TOPIC_PREFIX,
  ...(Object.fromEntries(Object.values(BROKER_PASSWORD_SETTINGS).map((key) => [key, z.string().min(16)])) as Record<
    (typeof BROKER_PASSWORD_SETTINGS)[keyof typeof BROKER_PASSWORD_SETTINGS],
    z.ZodString
  >),
});

export async function importBrokerUsers(env: Record<string, string | undefined>): Promise<void> {
  const s = parseEnv(brokerSetupSettings, env);
  const passwords = brokerPasswordsFrom(s);
  const names = {
    exchange: s.EVENTS_EXCHANGE,
    queue: s.PROJECTOR_QUEUE,
    notifierQueue: s.NOTIFIER_QUEUE,
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
