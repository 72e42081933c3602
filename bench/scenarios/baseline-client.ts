import amqp from 'amqplib';
import pg from 'pg';
import { headerText } from '../../shared/src/events/headers.ts';
import { reportProgress, serveUntilStopped } from '../helper-process.ts';

/**
 * The catch-up baseline, in a process of its own: consumes copies of the shard queues with the
 * projector's prefetch, a channel per queue, and settles as the projector does, one batch at a
 * time per queue: the batch's inbox rows (read from the headers, nothing else decoded) written in
 * ONE statement (INSERT ... SELECT FROM unnest ... ON CONFLICT DO NOTHING) into a table of its own
 * shaped like the inbox, then one multiple-ack. A batch is full at the projector's batch size, or
 * whatever has arrived when no more is waiting right now. No read model is touched: what is left
 * of catching up when the projection itself costs nothing. Starts on 'go'; reports
 * `{ consumed }` as it goes and `{ done: true }` once `events` are written and acked.
 */
const settings = JSON.parse(process.argv[2]!) as {
  url: string;
  queues: string[];
  prefetch: number;
  batchSize: number;
  read: pg.ClientConfig;
  table: string;
  events: number;
};
const pool = new pg.Pool({ ...settings.read, max: settings.queues.length });
pool.on('error', () => undefined);
const connection = await amqp.connect(settings.url);
let written = 0;
let reported = 0;

async function consume(queue: string) {
  const channel = await connection.createChannel();
  await channel.prefetch(settings.prefetch);
  let waiting: amqp.ConsumeMessage[] = [];
  let writing = false;
  let scheduled = false;
  const flush = async () => {
    scheduled = false;
    if (writing || waiting.length === 0) return;
    writing = true;
    const batch = waiting.slice(0, settings.batchSize);
    waiting = waiting.slice(batch.length);
    const header = (m: amqp.ConsumeMessage, name: string) => headerText(m.properties.headers?.[name]) ?? null;
    await pool.query(
      `INSERT INTO ${settings.table} (event_id, event_type, aggregate_type, aggregate_id, occurred_at, position)
       SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::timestamptz[], $6::bigint[])
       ON CONFLICT (event_id) DO NOTHING`,
      [
        batch.map((m) => header(m, 'id')),
        batch.map((m) => header(m, 'eventType')),
        batch.map((m) => m.fields.routingKey.split('.')[2] ?? ''),
        batch.map((m) => header(m, 'aggregateId')),
        batch.map((m) => header(m, 'occurredAt')),
        batch.map((m) => header(m, 'position')),
      ],
    );
    channel.ack(batch.at(-1)!, true);
    written += batch.length;
    if (written >= settings.events || written - reported >= 1_000) {
      reported = written;
      reportProgress(written >= settings.events ? { consumed: written, done: true } : { consumed: written });
    }
    writing = false;
    if (waiting.length > 0) schedule();
  };
  const schedule = () => {
    if (scheduled) return;
    scheduled = true;
    // Full batch at once; otherwise once what has arrived so far has been taken in.
    if (waiting.length >= settings.batchSize) void flush();
    else setImmediate(() => void flush());
  };
  await channel.consume(queue, (message) => {
    if (!message) return;
    waiting.push(message);
    schedule();
  });
}

process.on('message', (message) => {
  if (message === 'go') for (const queue of settings.queues) void consume(queue);
});
serveUntilStopped(async () => {
  await connection.close().catch(() => undefined);
  await pool.end().catch(() => undefined);
  return { written };
});
