import { existsSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { loadConfig } from '../config.ts';
import { openOnDemandReconciler } from '../reconcile/on-demand.ts';
import type { AuditReport } from '../reconcile/reconciler.ts';

const usage = `usage: npm run reconcile -- [--no-heal] [--grace-ms N] [--timeout-ms N] [--json]

Audits the pipeline now: every outbox event committed more than the grace period ago
(RECONCILE_GRACE_MS, 15 s) must be projected or parked, unless its shard queue still holds
messages (a backlog being worked through is not a loss). Missing events are listed, then
published again through Debezium (an incremental snapshot of exactly those outbox rows) and
waited for, up to --timeout-ms (60 s). Exits 0 when nothing is missing at the end, 1 otherwise.`;

async function main() {
  if (existsSync('.env')) process.loadEnvFile('.env');
  const { values } = parseArgs({
    options: {
      'no-heal': { type: 'boolean' },
      'grace-ms': { type: 'string' },
      'timeout-ms': { type: 'string', default: '60000' },
      json: { type: 'boolean' },
      help: { type: 'boolean' },
    },
  });
  if (values.help) return console.log(usage);
  const config = loadConfig();
  const graceMs = values['grace-ms'] === undefined ? config.RECONCILE_GRACE_MS : Number(values['grace-ms']);
  const timeoutMs = Number(values['timeout-ms']);
  if (!Number.isFinite(graceMs) || graceMs < 0 || !Number.isFinite(timeoutMs)) {
    console.error(usage);
    process.exitCode = 2;
    return;
  }
  const { reconciler, close } = await openOnDemandReconciler(config, {
    graceMs,
    onBlocked: (lockers) => console.log(`waiting for ${lockers.length} open write transaction(s)...`),
  });
  const say = (line: string) => values.json || console.log(line);
  try {
    let report = await reconciler.audit();
    say(describe(report));
    if (report.highWaterMark === null) {
      console.error(
        'Debezium has not published up to the outbox high-water mark within 30 s (is it running?): nothing can be audited',
      );
      process.exitCode = 1;
      return;
    }
    if (report.missing > 0 && !values['no-heal']) {
      const requested = await reconciler.heal();
      say(`asked Debezium to publish ${requested} event(s) again; waiting up to ${timeoutMs / 1000} s`);
      const deadline = Date.now() + timeoutMs;
      while (report.missing > 0 && Date.now() < deadline) {
        await sleep(1000);
        report = await reconciler.audit();
        say(`  ${report.missing} still missing`);
      }
    }
    if (values.json) console.log(JSON.stringify({ ...report, ok: report.missing === 0 }));
    else say(report.missing === 0 ? 'nothing missing' : `PROBLEM: ${report.missing} event(s) missing`);
    process.exitCode = report.missing === 0 ? 0 : 1;
  } finally {
    await close();
  }
}

function describe(report: AuditReport): string {
  return [
    `audited          ${report.eventsAudited} new event(s) in ${report.windows} window(s), up to the high-water mark ${report.highWaterMark ?? '-'}`,
    `checked through  position ${report.checkedThrough}`,
    `missing          ${report.missing}${report.oldestMissing ? `, oldest from ${report.oldestMissing.toISOString()}` : ''}`,
    `unknown          ${report.unknown}${report.unknown > 0 ? ' applied event(s) not in the outbox log: npm run rebuild recomputes the read models without them' : ''} (${report.inboxChecked} inbox entries checked)`,
  ].join('\n');
}

main().catch((err: unknown) => {
  console.error(`reconcile failed: ${err instanceof Error ? err.message : String(err)}`);
  process.exitCode = 1;
});
