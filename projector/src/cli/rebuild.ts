import { existsSync } from 'node:fs';
import { SingleBar, Presets } from 'cli-progress';
import { postgresUrl } from '@shop/shared/config';
import { createPool } from '@shop/shared/db';
import { lockerNames } from '@shop/shared/outbox';
import { loadConfig } from '../config.ts';
import { rebuildReadModels } from '../rebuild/rebuild.ts';

/** `npm run rebuild`: every read model from the outbox event log, swapped in without downtime. */
async function main() {
  if (existsSync('.env')) process.loadEnvFile('.env');
  const config = loadConfig();
  const write = createPool(postgresUrl(config, config.WRITE_DB_NAME), 2, 'rebuild');
  const read = createPool(postgresUrl(config, config.READ_DB_NAME), 2, 'rebuild', 'read');
  const bar = new SingleBar(
    { format: 'rebuilding read models [{bar}] {percentage}% | {value}/{total} events | {eta}s left' },
    Presets.shades_classic,
  );
  const started = Date.now();
  try {
    const report = await rebuildReadModels({
      write,
      read,
      chunkSize: 2000,
      progress: {
        start: (total) => bar.start(total, 0),
        advance: (done) => bar.update(Math.min(done, bar.getTotal())),
        stop: () => bar.stop(),
        // Before the bar starts: the rebuild waits for these to end (at most 30 s) before reading the log.
        waiting: (lockers) => console.log(`waiting for write transactions still open on the outbox: ${lockerNames(lockers)}`),
      },
    });
    const seconds = (Date.now() - started) / 1000;
    console.log(`rebuilt from ${report.events} events (${report.applied} applied) in ${seconds.toFixed(1)} s; swapped in`);
    for (const skipped of report.skipped) console.log(`  skipped ${skipped.id}: ${skipped.reason}`);
  } finally {
    bar.stop();
    await write.end();
    await read.end();
  }
}

main().catch((err: unknown) => {
  console.error(`rebuild failed: ${err instanceof Error ? err.message : String(err)}`);
  process.exitCode = 1;
});
