import { existsSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { postgresUrl } from '@shop/shared/config';
import { createPool } from '@shop/shared/db';
import { loadConfig } from '../config.ts';
import type { SyncStatus } from '../lag/schemas.ts';
import { syncStatus, type PipelineDatabases } from '../lag/sync-status.ts';
import { formatStatus, verdict } from '../lag/format-status.ts';

const usage = `usage: npm run lag -- [--json] [--watch] [--max-lag-seconds N] [--max-lag-bytes N]

Shows where the pipeline stands: events committed but not yet projected and how old the oldest is,
the replication slot and Debezium's committed offset, the projector's position, and the notifier's
lag, missing events and deliveries.
Exits 1 when a database or the notifier's tables are unreachable, the slot is inactive, events are
missing (from the projector or the notifier) or unknown (applied but not in the outbox log), or
lag (the projector's or the notifier's) exceeds a threshold
(default --max-lag-seconds 30); --watch refreshes every second until interrupted.`;

async function main() {
  if (existsSync('.env')) process.loadEnvFile('.env');
  const { values } = parseArgs({
    options: {
      json: { type: 'boolean' },
      watch: { type: 'boolean' },
      'max-lag-seconds': { type: 'string', default: '30' },
      'max-lag-bytes': { type: 'string' },
      help: { type: 'boolean' },
    },
  });
  if (values.help) return console.log(usage);
  const limits = {
    maxLagSeconds: Number(values['max-lag-seconds']),
    maxLagBytes: values['max-lag-bytes'] ? Number(values['max-lag-bytes']) : undefined,
  };
  if (!Number.isFinite(limits.maxLagSeconds) || (limits.maxLagBytes !== undefined && !Number.isFinite(limits.maxLagBytes))) {
    console.error(usage);
    process.exitCode = 2;
    return;
  }

  const config = loadConfig();
  const write = createPool(postgresUrl(config, config.WRITE_DB_NAME), 1, 'lag-inspector');
  const read = createPool(postgresUrl(config, config.READ_DB_NAME), 1, 'lag-inspector', 'read');
  const dbs: PipelineDatabases = { write, read, slot: config.DEBEZIUM_SLOT, offsetTable: config.DEBEZIUM_OFFSET_TABLE };
  const show = (status: SyncStatus) => {
    const problems = verdict(status, limits);
    if (values.json) console.log(JSON.stringify({ ...status, ok: problems.length === 0, problems }));
    else console.log(formatStatus(status, problems));
    return problems;
  };
  try {
    if (!values.watch) {
      process.exitCode = show(await syncStatus(dbs)).length > 0 ? 1 : 0;
      return;
    }
    for (;;) {
      const status = await syncStatus(dbs);
      if (!values.json) process.stdout.write('\x1b[2J\x1b[H');
      show(status);
      await sleep(1000);
    }
  } finally {
    await Promise.all([write.end(), read.end()]);
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : String(err));
  process.exitCode = 1;
});
