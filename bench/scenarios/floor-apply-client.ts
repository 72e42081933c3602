import pg from 'pg';
import { streamSlot, type SlotSettings } from './slot-stream.ts';

/**
 * The apply floor's client, in a process of its own: reads its own slot and, for each transaction
 * it receives, inserts the ids of its outbox events into a table of the read database in one
 * transaction of its own. Up to `connections` apply transactions run at once (as many as the
 * projector has shards), so their commits can share a WAL flush as Postgres groups them: one
 * at a time, each waiting for its own flush, the floor would fall behind a pipeline that batches.
 * That is the least any pipeline from the WAL to the read side must do; the bench reads the
 * commit time of each row afterwards (pg_xact_commit_timestamp), as it reads the projector's.
 */
const settings = JSON.parse(process.argv[2]!) as SlotSettings & { read: SlotSettings['connection']; connections: number };
const { read, connections } = settings;
const db = new pg.Pool({ ...read, max: connections });
db.on('error', () => undefined);
// Open every connection before the window, so none is opened while it is measured.
await Promise.all(Array.from({ length: connections }, () => db.connect())).then((clients) => clients.forEach((c) => c.release()));
let current: string[] = [];
let inFlight = 0;
let transactions = 0;

function apply(ids: string[]) {
  inFlight++;
  // The pool queues what finds no free connection, in the order received.
  void db
    .query(`INSERT INTO public.bench_floor_applied (event_id) SELECT unnest($1::uuid[]) ON CONFLICT DO NOTHING`, [ids])
    .then(
      () => transactions++,
      () => undefined,
    )
    .finally(() => inFlight--);
}

streamSlot(
  settings,
  (message) => {
    if (message.tag === 'begin') current = [];
    else if (message.tag === 'insert' && message.relation?.name === 'outbox' && message.new?.id)
      current.push(String(message.new.id));
    else if (message.tag === 'commit' && current.length > 0) {
      apply(current);
      current = [];
    }
  },
  async () => {
    while (inFlight > 0) await new Promise((r) => setTimeout(r, 20));
    await db.end().catch(() => undefined);
    return { transactions };
  },
);
