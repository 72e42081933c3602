import { LogicalReplicationService, PgoutputPlugin } from 'pg-logical-replication';
import { serveUntilStopped } from '../helper-process.ts';

/** What a floor client receives from its slot: pgoutput's messages, as pg-logical-replication decodes them. */
export interface SlotMessage {
  tag: string;
  relation?: { name: string };
  new?: Record<string, unknown>;
}

export interface SlotSettings {
  connection: { host: string; port: number; user: string; password: string; database: string; application_name: string };
  publication: string;
  slot: string;
}

/**
 * Streams a slot of the floors' own into `onMessage` (acknowledged as it goes) and, once the
 * subscription has had a moment to start, answers the bench's 'stop' with what `finish` returns
 * after the stream has stopped.
 */
export function streamSlot<T>(settings: SlotSettings, onMessage: (message: SlotMessage) => void, finish: () => Promise<T>): void {
  const service = new LogicalReplicationService(settings.connection, { acknowledge: { auto: true, timeoutSeconds: 1 } });
  service.on('data', (_lsn: string, message: SlotMessage) => onMessage(message));
  service.on('error', () => undefined);
  void service
    .subscribe(new PgoutputPlugin({ protoVersion: 1, publicationNames: [settings.publication] }), settings.slot)
    .catch(() => undefined);
  setTimeout(
    () =>
      serveUntilStopped(async () => {
        await service.stop().catch(() => undefined);
        return finish();
      }),
    500,
  );
}
