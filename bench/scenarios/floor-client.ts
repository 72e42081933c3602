import { LogicalReplicationService, PgoutputPlugin } from 'pg-logical-replication';
import { serveUntilStopped } from '../helper-process.ts';

/**
 * The receipt floor's replication client, in a process of its own so the load generator's event
 * loop cannot delay it: records when each OrderPlaced outbox row arrives and sends them back on 'stop'.
 */
const { connection, publication, slot } = JSON.parse(process.argv[2]!) as {
  connection: { host: string; port: number; user: string; password: string; database: string; application_name: string };
  publication: string;
  slot: string;
};
const arrivals: [string, number][] = [];
const service = new LogicalReplicationService(connection, { acknowledge: { auto: true, timeoutSeconds: 1 } });
service.on('data', (_lsn: string, message: { tag: string; relation?: { name: string }; new?: Record<string, unknown> }) => {
  if (message.tag === 'insert' && message.relation?.name === 'outbox' && message.new?.type === 'OrderPlaced') {
    arrivals.push([String(message.new.id), Date.now()]);
  }
});
service.on('error', () => undefined);
void service.subscribe(new PgoutputPlugin({ protoVersion: 1, publicationNames: [publication] }), slot).catch(() => undefined);
// Ready once the subscription has had a moment to start streaming.
setTimeout(
  () =>
    serveUntilStopped(async () => {
      await service.stop().catch(() => undefined);
      return arrivals;
    }),
  500,
);
