import { parseArgs } from 'node:util';
import { postgresUrl } from '@shop/shared/config';
import { createPool } from '@shop/shared/db';
import { requestSnapshot } from '@shop/shared/outbox';
import { notifierMissing } from '@shop/shared/read-side';
import { loadConfig } from '../config.ts';

const usage = `usage: npm run notifier:heal [-- --dry-run]

Asks Debezium to publish again the events the notifier's audit lists as missing (notifier.missing_events:
committed, never settled in its inbox): an incremental snapshot of exactly those outbox positions,
published to the events exchange like live events. The notifier settles them (a POST each); the
projector's inbox absorbs them as duplicates. The audit forgets each once it has its inbox row.
--dry-run lists them only. Exit 3 when nothing is missing.`;

/** Positions per signal, as the projector's reconciler sends them. */
const CHUNK = 500;

async function main(): Promise<number> {
  const { values } = parseArgs({ options: { 'dry-run': { type: 'boolean' }, help: { type: 'boolean' } } });
  if (values.help) return (console.log(usage), 0);
  const config = loadConfig();
  const read = createPool(postgresUrl(config, config.READ_DB_NAME), 1, 'notifier-heal', 'notifier');
  const write = createPool(postgresUrl(config, config.WRITE_DB_NAME), 1, 'notifier-heal');
  try {
    const missing = await notifierMissing(read, 50_000);
    if (missing.length === 0) return (console.log('nothing missing'), 3);
    for (const m of missing) console.log(`${m.id}  position ${m.position}  occurred ${m.occurredAt.toISOString()}`);
    if (values['dry-run']) return 0;
    for (let i = 0; i < missing.length; i += CHUNK) {
      const positions = missing.slice(i, i + CHUNK).map((m) => m.position);
      const signal = await requestSnapshot(write, { signalTable: config.DEBEZIUM_SIGNAL_TABLE, positions });
      console.log(`signal ${signal}: ${positions.length} events to publish again`);
    }
    console.log(`${missing.length} missing events asked for; the notifier's audit forgets each once settled`);
    return 0;
  } finally {
    await Promise.all([read.end(), write.end()]);
  }
}

main().then(
  (code) => (process.exitCode = code),
  (err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exitCode = 1;
  },
);
