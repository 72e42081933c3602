import { existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { duration, postgresUrl } from '@shop/shared/config';
import { createPool } from '@shop/shared/db';
import { createLogger } from '@shop/shared/log';
import { loadConfig } from '../config.ts';
import { retentionPolicy } from '../retention/policy.ts';
import { runRetentionRound } from '../retention/retention-round.ts';

const usage = `usage: npm run retention -- [--older-than "<n> minutes|hours|days" | --older-than 0] [--json]

Runs one retention round now, as the projector does every RETENTION_INTERVAL_MS: outbox partitions
whose range ended longer ago than OUTBOX_RETENTION (or --older-than; 0: as soon as they end) and
whose events the reconciler has all checked move to the archive (outbox_archive.events, still
replayed by a rebuild), oldest first; then the inbox is pruned below the live outbox.`;

async function main() {
  if (existsSync('.env')) process.loadEnvFile('.env');
  const { values } = parseArgs({
    options: { 'older-than': { type: 'string' }, json: { type: 'boolean' }, help: { type: 'boolean' } },
  });
  if (values.help) return console.log(usage);
  const config = loadConfig();
  const olderThan = values['older-than'];
  const asked = olderThan === undefined || olderThan === '0' ? null : duration('30 days').safeParse(olderThan);
  if (asked && !asked.success) {
    console.error(`--older-than ${JSON.stringify(olderThan)}: ${asked.error.issues[0]?.message ?? 'not a span'}\n\n${usage}`);
    process.exitCode = 2;
    return;
  }
  const olderThanSeconds = olderThan === '0' ? 0 : (asked?.data ?? config.OUTBOX_RETENTION);
  const log = createLogger('retention', values.json ? 'silent' : 'warn');
  const read = createPool(postgresUrl(config, config.READ_DB_NAME), 2, 'retention', 'read');
  const write = createPool(postgresUrl(config, config.WRITE_DB_NAME), 2, 'retention');
  try {
    const report = await runRetentionRound({ write, read }, retentionPolicy(olderThanSeconds), log);
    if (values.json) return console.log(JSON.stringify(report));
    const events = report.archived.reduce((sum, p) => sum + p.events, 0);
    console.log(`archived ${report.archived.length} outbox partition(s), ${events} event(s)`);
    for (const p of report.archived) console.log(`  ${p.name}: ${p.events} event(s)`);
    if (report.kept) console.log(`kept ${report.kept.name}: ${report.kept.reason}`);
    console.log(`inbox pruned through position ${report.prunedThrough}: ${report.pruned} row(s) deleted now`);
  } finally {
    await Promise.all([read.end(), write.end()]);
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exitCode = 1;
});
