import { parseArgs } from 'node:util';
import amqp from 'amqplib';
import { postgresUrl, rabbitUrl } from '@shop/shared/config';
import { createPool } from '@shop/shared/db';
import { declareTopology, MAX_SHARD_COUNT, shardBindingKey, shardQueueOf } from '@shop/shared/messaging';
import { drainingSwitch, readShardRouting, refusedChange, routedShardCount, waitUntilDrained } from '@shop/shared/outbox';
import { handledAmong, inboxWatermark } from '@shop/shared/read-side';
import { loadConfig, type Config } from '../config.ts';

const usage = `usage: tsx projector/src/cli/shards.ts prepare --count N | drain --cut P [--timeout-ms N]

The projector's steps of \`npm run shards\` (infra/src/cli/shards.ts runs them, as the projector's
database login and the broker's admin; docs/scaling.md):
  prepare  refuses a count that is not a split of the current one; declares the queues of N shards
  drain    waits until every event at or below position P is applied or parked
Progress goes to stdout; the last line is "result <json>". Exit 3: refused.`;

/** The machine-readable last line the orchestrator reads. */
const result = (value: unknown) => console.log(`result ${JSON.stringify(value)}`);

async function prepare(config: Config, count: number): Promise<number> {
  const write = createPool(postgresUrl(config, config.WRITE_DB_NAME), 1, 'shards');
  try {
    const routing = await readShardRouting(write);
    const routed = routedShardCount(routing);
    const draining = drainingSwitch(routing);
    if (draining && draining.shardCount !== count) {
      console.log(`refused: the change to ${draining.shardCount} shards is still draining; finish it first`);
      return 3;
    }
    // The same count again resumes a change still draining; one that is done is "already".
    const refused = draining?.shardCount === count ? undefined : refusedChange(routed, count, MAX_SHARD_COUNT);
    if (refused) {
      console.log(`refused: ${refused}`);
      return 3;
    }
    await declareQueues(config, count);
    // The count before this change (a resumed change is already routed by `count`).
    const from = routed === count ? (routing[routing.length - 2]?.shardCount ?? routed) : routed;
    result({ from, draining: draining?.sincePosition ?? null });
    return 0;
  } finally {
    await write.end();
  }
}

/** The queues and bindings of every shard of `count`, as every projector declares them (idempotent). */
async function declareQueues(config: Config, count: number): Promise<void> {
  const names = { exchange: config.EVENTS_EXCHANGE, queue: config.PROJECTOR_QUEUE };
  const connection = await amqp.connect(rabbitUrl(config), { clientProperties: { connection_name: 'npm run shards' } });
  try {
    await declareTopology(await connection.createChannel(), names, count);
  } finally {
    await connection.close().catch(() => undefined);
  }
  const last = shardQueueOf(names, count - 1);
  console.log(
    `queues ${shardQueueOf(names, 0)} … ${last} declared (quorum, single active consumer), each bound to ${shardBindingKey(count - 1).replace(/\d+$/, '<shard>')}`,
  );
}

async function drain(config: Config, cut: number, timeoutMs: number): Promise<number> {
  const write = createPool(postgresUrl(config, config.WRITE_DB_NAME), 2, 'shards-drain');
  const read = createPool(postgresUrl(config, config.READ_DB_NAME), 2, 'shards-drain', 'read');
  const started = Date.now();
  try {
    await waitUntilDrained({
      write,
      handledAmong: (ids) => handledAmong(read, ids),
      handledThrough: async () => (await inboxWatermark(read)).prunedThrough,
      cut,
      timeoutMs,
      progress: (line) => console.log(line),
    });
    result({ drainedMs: Date.now() - started });
    return 0;
  } finally {
    await Promise.all([write.end(), read.end()]);
  }
}

async function main(): Promise<number> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      count: { type: 'string' },
      cut: { type: 'string' },
      'timeout-ms': { type: 'string', default: '600000' },
      help: { type: 'boolean' },
    },
  });
  const [step] = positionals;
  const count = Number(values.count);
  const cut = Number(values.cut);
  const timeoutMs = Number(values['timeout-ms']);
  if (values.help) return (console.log(usage), 0);
  if (step === 'prepare' && Number.isInteger(count)) return prepare(loadConfig(), count);
  if (step === 'drain' && Number.isInteger(cut) && cut >= 0 && Number.isFinite(timeoutMs))
    return drain(loadConfig(), cut, timeoutMs);
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
