/**
 * A baseline relay in a process of its own (so the load generator's event loop cannot delay it),
 * feeding the same exchange and projector as Debezium: forked by bench/scenarios/relay.ts with
 * its settings as JSON, answers 'ready' once prepared and, on 'stop', finishes its pass, undoes
 * what it added to the write database and answers how many events it published.
 */
import amqp from 'amqplib';
import pg from 'pg';
import { createPool } from '@shop/shared/db';
import { serveUntilStopped } from '../helper-process.ts';
import { legacyRelay } from './legacy-poll.ts';
import { BATCH, drainOnce, prepareMarkColumn } from './skip-locked.ts';
import { Wakeup } from './wakeup.ts';

export type RelayMode = 'legacy-1s' | 'skip-locked-100ms' | 'listen-notify';

export interface RelaySettings {
  mode: RelayMode;
  writeUrl: string;
  amqpUrl: string;
  exchange: string;
}

const settings = JSON.parse(process.argv[2]!) as RelaySettings;
const db = createPool(settings.writeUrl, 3, `relay-${settings.mode}`);
const connection = await amqp.connect(settings.amqpUrl);
const channel = await connection.createConfirmChannel();
let running = true;
let published = 0;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function pollEvery(intervalMs: number, pass: () => Promise<number>) {
  while (running) {
    const started = Date.now();
    const n = await pass();
    published += n;
    // A full batch means more is waiting: go on at once, as these relays do.
    if (n < BATCH) await sleep(Math.max(0, intervalMs - (Date.now() - started)));
  }
}

/** Woken by NOTIFY from a statement trigger on the outbox; a 1 s poll covers a missed wake-up. */
async function listenNotify() {
  await db.query(`CREATE OR REPLACE FUNCTION relay_outbox_notify() RETURNS trigger LANGUAGE plpgsql AS
                  $$ BEGIN PERFORM pg_notify('relay_outbox', ''); RETURN NULL; END $$`);
  await db.query(`DROP TRIGGER IF EXISTS relay_outbox_notify ON outbox`);
  await db.query(
    `CREATE TRIGGER relay_outbox_notify AFTER INSERT ON outbox FOR EACH STATEMENT EXECUTE FUNCTION relay_outbox_notify()`,
  );
  const listener = new pg.Client({ connectionString: settings.writeUrl, application_name: 'relay-listen' });
  await listener.connect();
  const wakeup = new Wakeup();
  listener.on('notification', () => wakeup.notify());
  await listener.query('LISTEN relay_outbox');
  return {
    loop: async () => {
      while (running) {
        const n = await drainOnce(db, channel, settings.exchange);
        published += n;
        if (n >= BATCH) continue;
        await wakeup.wait(1_000);
      }
    },
    close: async () => {
      await listener.end();
      await db.query(`DROP TRIGGER IF EXISTS relay_outbox_notify ON outbox`);
    },
  };
}

let loop: Promise<void>;
let close = async () => undefined as void;
if (settings.mode === 'legacy-1s') {
  const relay = legacyRelay(db);
  await relay.prepare();
  loop = pollEvery(1_000, () => relay.drainOnce(channel, settings.exchange));
} else if (settings.mode === 'skip-locked-100ms') {
  await prepareMarkColumn(db);
  loop = pollEvery(100, () => drainOnce(db, channel, settings.exchange));
} else {
  await prepareMarkColumn(db);
  const relay = await listenNotify();
  close = relay.close;
  loop = relay.loop();
}
serveUntilStopped(async () => {
  running = false;
  await loop;
  await close();
  await connection.close();
  await db.end();
  return { published };
});
