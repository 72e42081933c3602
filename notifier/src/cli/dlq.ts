import { parseArgs } from 'node:util';
import { postgresUrl } from '@shop/shared/config';
import { createPool } from '@shop/shared/db';
import { loadConfig, webhookOf } from '../config.ts';
import { parkedNotifications } from '../inbox/notifications.ts';
import { NothingParkedError, redrive } from '../redrive/redrive.ts';

const usage = `usage: npm run notifier:dlq -- list [--json] | redrive [--id <event id>]

The notifier's parked notifications (refused by the receiver, or their attempts spent):
  list     each one with its event id, type, order, position, attempts and last error
  redrive  POSTs them again (all, oldest first, or the one with --id) with the same body,
           signature and Idempotency-Key; a 2xx records it delivered, otherwise it stays parked
Runs as the notifier's login with its settings (NOTIFIER_WEBHOOK_URL and _SECRET). Exit 1 when a
re-driven notification is still parked, 3 when there was nothing to re-drive.`;

async function main(): Promise<number> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { id: { type: 'string' }, json: { type: 'boolean' }, help: { type: 'boolean' } },
  });
  const [command] = positionals;
  if (values.help) return (console.log(usage), 0);
  if (command !== 'list' && command !== 'redrive') return (console.error(usage), 2);
  const config = loadConfig();
  const pool = createPool(postgresUrl(config, config.READ_DB_NAME), 2, 'notifier-dlq', 'notifier');
  try {
    if (command === 'list') {
      const parked = await parkedNotifications(pool, values.id);
      if (values.json)
        console.log(
          JSON.stringify(
            parked.map(({ body: _body, ...rest }) => rest),
            null,
            2,
          ),
        );
      else if (parked.length === 0) console.log('no parked notification');
      else
        for (const n of parked)
          console.log(
            `${n.eventId}  ${n.type.padEnd(14)} order ${n.orderId}  position ${n.position}  attempts ${n.attempts}  ${n.lastError}`,
          );
      return 0;
    }
    const webhook = webhookOf(config);
    if (!webhook) return (console.error('NOTIFIER_WEBHOOK_URL is not set: there is nowhere to re-drive to'), 2);
    const results = await redrive(
      pool,
      {
        webhook,
        maxAttempts: config.NOTIFIER_MAX_ATTEMPTS,
        backoff: { baseMs: config.NOTIFIER_RETRY_BASE_MS, maxMs: config.NOTIFIER_RETRY_MAX_MS },
        timeoutMs: config.NOTIFIER_TIMEOUT_MS,
      },
      values.id,
    );
    for (const r of results)
      console.log(`${r.eventId}  ${r.delivered ? 'delivered' : `still parked: ${r.lastError}`} (${r.attempts} attempts)`);
    const left = results.filter((r) => !r.delivered).length;
    console.log(`${results.length - left} delivered, ${left} still parked`);
    return left > 0 ? 1 : 0;
  } catch (err) {
    if (err instanceof NothingParkedError) return (console.log(err.message), 3);
    throw err;
  } finally {
    await pool.end();
  }
}

main().then(
  (code) => (process.exitCode = code),
  (err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exitCode = 1;
  },
);
