import amqp from 'amqplib';
import { serveUntilStopped } from '../helper-process.ts';

/**
 * The broker tap, in a process of its own: a queue bound to the events exchange that records when
 * each outbox event arrives there, in arrival order (one queue is FIFO), and sends the list back
 * on 'stop'. Arrival here is the moment the publisher's message was routed and delivered to a
 * consumer: the hop from commit to broker that Sequin's figures measure. The queue is of the shard
 * queues' kind (quorum, durable), so a message reaches it as it reaches them; it is deleted on 'stop'.
 */
const { url, exchange, queue } = JSON.parse(process.argv[2]!) as { url: string; exchange: string; queue: string };
const arrivals: [string, number][] = [];
const connection = await amqp.connect(url);
const channel = await connection.createChannel();
// A queue left by a run that was killed would hold that run's messages.
await channel.deleteQueue(queue);
await channel.assertQueue(queue, { durable: true, arguments: { 'x-queue-type': 'quorum' } });
await channel.bindQueue(queue, exchange, 'outbox.event.#');
const { consumerTag } = await channel.consume(
  queue,
  (message) => {
    if (!message) return;
    const id = message.properties.headers?.id as unknown;
    // Debezium's header format: the event id JSON-quoted.
    if (typeof id === 'string' || Buffer.isBuffer(id)) arrivals.push([String(id).replace(/"/g, ''), Date.now()]);
  },
  { noAck: true },
);
serveUntilStopped(async () => {
  await channel.cancel(consumerTag).catch(() => undefined);
  await channel.deleteQueue(queue).catch(() => undefined);
  await connection.close().catch(() => undefined);
  return arrivals;
});
