import { parseArgs } from 'node:util';
import { postgresUrl } from '@shop/shared/config';
import { createPool } from '@shop/shared/db';
import { waitUntilDrained } from '@shop/shared/outbox';
import { loadConfig } from '../config.ts';
import { inboxHas, notifierBaseline } from '../inbox/baseline.ts';

const usage = `usage: tsx notifier/src/cli/shards.ts drain --cut P [--timeout-ms N]

The notifier's step of \`npm run shards\` (infra/src/native/shard-count.ts runs it as the
notifier's login, after the projector's drain and before the switch is marked drained):
  drain  waits until every event at or below position P (above the notifier's baseline) is in the
         notifier's inbox: delivered, parked, skipped or recorded
The last line is "result <json>".`;

async function drain(cut: number, timeoutMs: number): Promise<number> {
  const config = loadConfig();
  const write = createPool(postgresUrl(config, config.WRITE_DB_NAME), 2, 'notifier-drain');
  const read = createPool(postgresUrl(config, config.READ_DB_NAME), 2, 'notifier-drain', 'notifier');
  const started = Date.now();
  try {
    const baseline = await notifierBaseline(read, write);
    await waitUntilDrained({
      write,
      handledAmong: (ids) => inboxHas(read, ids),
      handledThrough: async () => baseline,
      cut,
      timeoutMs,
      progress: (line) => console.log(`notifier: ${line}`),
    });
    console.log(`result ${JSON.stringify({ drainedMs: Date.now() - started })}`);
    return 0;
  } finally {
    await Promise.all([write.end(), read.end()]);
  }
}

async function main(): Promise<number> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { cut: { type: 'string' }, 'timeout-ms': { type: 'string', default: '600000' }, help: { type: 'boolean' } },
  });
  const cut = Number(values.cut);
  const timeoutMs = Number(values['timeout-ms']);
  if (values.help) return (console.log(usage), 0);
  if (positionals[0] === 'drain' && Number.isInteger(cut) && cut >= 0 && Number.isFinite(timeoutMs)) return drain(cut, timeoutMs);
  console.error(usage);
  return 2;
}

main().then(
  (code) => (process.exitCode = code),
  (err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exitCode = 1;
  },
);
