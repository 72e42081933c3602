import { existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { SingleBar, Presets } from 'cli-progress';
import { postgresUrl } from '@shop/shared/config';
import { createPool } from '@shop/shared/db';
import { createLogger } from '@shop/shared/log';
import { OperationAlreadyActive, recordOperation } from '@shop/shared/operations';
import { lockerNames } from '@shop/shared/outbox';
import { loadConfig } from '../config.ts';
import { ABANDONED_AFTER_MS } from '../operations/progress-reporter.ts';
import { rebuildResult, recordedRebuildProgress, runAndRecord } from '../operations/run-operation.ts';
import { rebuildReadModels, type RebuildReport } from '../rebuild/rebuild.ts';

/**
 * `npm run rebuild [-- --allow-partial-history]`: every read model from the event log (archived
 * partitions and the live outbox), swapped in without downtime. Refused when archived partitions
 * were dropped, unless told to rebuild from what is left.
 * Recorded as an operation like the console's, so the console shows its progress and a second
 * rebuild (from here or the console) is refused while this one runs.
 */
async function main() {
  if (existsSync('.env')) process.loadEnvFile('.env');
  const { values } = parseArgs({ options: { 'allow-partial-history': { type: 'boolean' } } });
  const config = loadConfig();
  const write = createPool(postgresUrl(config, config.WRITE_DB_NAME), 2, 'rebuild');
  const read = createPool(postgresUrl(config, config.READ_DB_NAME), 2, 'rebuild', 'read');
  const bar = new SingleBar(
    { format: 'rebuilding read models [{bar}] {percentage}% | {value}/{total} events | {eta}s left' },
    Presets.shades_classic,
  );
  const started = Date.now();
  try {
    const op = await recordOperation(read, { kind: 'rebuild', requestedBy: 'npm run rebuild', running: true });
    let report: RebuildReport | undefined;
    await runAndRecord(op, { read, log: createLogger('rebuild', 'error') }, async (recorded) => {
      report = await rebuildReadModels({
        write,
        read,
        reader: { shopCurrency: config.SHOP_CURRENCY },
        chunkSize: 2000,
        allowPartialHistory: values['allow-partial-history'] === true,
        progress: recordedRebuildProgress(recorded, {
          start: (total) => bar.start(total, 0),
          advance: (done) => bar.update(Math.min(done, bar.getTotal())),
          stop: () => bar.stop(),
          // Before the bar starts: the rebuild waits for these to end (at most 30 s) before reading the log.
          waiting: (lockers) => console.log(`waiting for write transactions still open on the outbox: ${lockerNames(lockers)}`),
        }),
      });
      return rebuildResult(report);
    });
    if (!report) return;
    const seconds = (Date.now() - started) / 1000;
    console.log(`rebuilt from ${report.events} events (${report.applied} applied) in ${seconds.toFixed(1)} s; swapped in`);
    for (const skipped of report.skipped) console.log(`  skipped ${skipped.id}: ${skipped.reason}`);
    console.log(describeHistory(report.history));
  } finally {
    bar.stop();
    await write.end();
    await read.end();
  }
}

function describeHistory(history: RebuildReport['history']): string {
  const since = history.since ? `since ${history.since.toISOString()}` : 'empty';
  const archive = `${history.archivedPartitions} archived partition(s) with ${history.archivedEvents} event(s) and the live outbox`;
  const dropped = history.dropped.map((d) => `\n  left out (dropped): ${d.name}, ${d.events} event(s)`).join('');
  return `history replayed: ${since}, ${archive}${dropped}`;
}

main().catch((err: unknown) => {
  if (err instanceof OperationAlreadyActive) {
    console.error(`rebuild refused: ${err.message}`);
    console.error(
      `(if the process running it is gone, a projector marks it failed ${ABANDONED_AFTER_MS / 1000} s after its last heartbeat)`,
    );
  } else console.error(`rebuild failed: ${err instanceof Error ? err.message : String(err)}`);
  process.exitCode = 1;
});
