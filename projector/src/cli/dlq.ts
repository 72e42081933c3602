import { existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { rabbitUrls } from '@shop/shared/config';
import { loadConfig } from '../config.ts';
import { connectFirstReachable, redriveDeadLetters, type DeadLetter } from '@shop/shared/messaging';

const usage = `usage: npm run dlq -- list [--json]
       npm run dlq -- redrive (--all | --id <event id> [--id ...])

list     shows the messages in the projector's dead-letter queue, with the reason for each
redrive  publishes them back to the events exchange under their original routing key`;

async function main() {
  if (existsSync('.env')) process.loadEnvFile('.env');
  const { positionals, values } = parseArgs({
    allowPositionals: true,
    options: { json: { type: 'boolean' }, all: { type: 'boolean' }, id: { type: 'string', multiple: true } },
  });
  const command = positionals[0];
  if (command !== 'list' && command !== 'redrive') return fail(usage);
  if (command === 'redrive' && !values.all && !values.id?.length) return fail(usage);

  const config = loadConfig();
  const names = { exchange: config.EVENTS_EXCHANGE, queue: config.PROJECTOR_QUEUE };
  const connection = await connectFirstReachable(rabbitUrls(config), { connectionName: 'dlq' });
  try {
    const { seen, redriven } = await redriveDeadLetters(
      connection,
      names,
      (letter) => command === 'redrive' && (values.all === true || (values.id ?? []).includes(letter.eventId ?? '')),
    );
    if (command === 'list') print(seen, values.json === true);
    else console.log(`re-drove ${redriven} of ${seen.length} dead letters`);
  } finally {
    await connection.close();
  }
}

function print(letters: DeadLetter[], json: boolean) {
  if (json) return console.log(JSON.stringify(letters, null, 2));
  if (letters.length === 0) return console.log('the dead-letter queue is empty');
  for (const l of letters) {
    console.log(
      `${l.deadLetteredAt ?? '?'}  ${l.eventType ?? '?'}  ${l.eventId ?? '(no id)'}  ${l.routingKey ?? ''}\n    ${l.reason}`,
    );
  }
  console.log(`${letters.length} dead letter(s)`);
}

function fail(message: string) {
  console.error(message);
  process.exitCode = 2;
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : String(err));
  process.exitCode = 1;
});
