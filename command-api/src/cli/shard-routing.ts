import { parseArgs } from 'node:util';
import { parseEnv, postgresUrl } from '@shop/shared/config';
import { createPool } from '@shop/shared/db';
import { writeSetupSettings } from '../config.ts';
import { markDrained, switchRouting } from '../outbox/routing-switch.ts';

const usage = `usage: tsx command-api/src/cli/shard-routing.ts switch --count N | drained --cut P

The write side's steps of \`npm run shards\` (infra/src/cli/shards.ts runs them as the write side's
owner; docs/scaling.md):
  switch   routes every event after the current position P by N shards (one transaction that
           holds the outbox's writers out for its length); prints P
  drained  records that every event at or below P is applied or parked
The last line is "result <json>".`;

async function main(): Promise<number> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { count: { type: 'string' }, cut: { type: 'string' }, help: { type: 'boolean' } },
  });
  const [step] = positionals;
  const count = Number(values.count);
  const cut = Number(values.cut);
  if (values.help || !((step === 'switch' && Number.isInteger(count)) || (step === 'drained' && Number.isInteger(cut)))) {
    console.error(usage);
    return values.help ? 0 : 2;
  }
  const config = parseEnv(writeSetupSettings, process.env);
  const write = createPool(postgresUrl(config, config.WRITE_DB_NAME), 1, 'shard-routing');
  try {
    const outcome = step === 'switch' ? await switchRouting(write, count) : { marked: await markDrained(write, cut) };
    console.log(`result ${JSON.stringify(outcome)}`);
    return 0;
  } finally {
    await write.end();
  }
}

main().then(
  (code) => (process.exitCode = code),
  (err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exitCode = 1;
  },
);
