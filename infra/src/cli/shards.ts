import { parseArgs } from 'node:util';
import { serviceSpecs } from '../native/services.ts';
import { changeShardCount, ShardCountRefusedError, waitForProjectorShards } from '../native/shard-count.ts';
import { devStackConfig } from '../stack-config.ts';
import { runCli } from './run-cli.ts';

const usage = `usage: npm run shards -- --count N [--drain-timeout-ms N]

Changes the number of shards the outbox routes to, on the running \`npm start\` stack, with writes
going on (docs/scaling.md, "Changing the shard count"): declares the new shards' queues, switches
the routing at the current outbox position P, waits until every event at or below P is applied,
then lets the projectors consume the new shards. N must be a multiple of the current count (a
split); going down is refused. Run it again to resume after a failure.`;

await runCli(async () => {
  const { values } = parseArgs({
    options: { count: { type: 'string' }, 'drain-timeout-ms': { type: 'string' }, help: { type: 'boolean' } },
  });
  const count = Number(values.count);
  const drainTimeoutMs = values['drain-timeout-ms'] === undefined ? undefined : Number(values['drain-timeout-ms']);
  if (values.help || !Number.isInteger(count) || (drainTimeoutMs !== undefined && !Number.isFinite(drainTimeoutMs))) {
    console.log(usage);
    if (!values.help) process.exitCode = 2;
    return;
  }
  const config = devStackConfig();
  console.log(`changing the shard count to ${count} (stack ${config.name})`);
  try {
    const change = await changeShardCount(config, count, (line) => console.log(line), { drainTimeoutMs });
    const projector = serviceSpecs(config).find((s) => s.name === 'projector')!;
    await waitForProjectorShards(projector.publicUrl, count);
    console.log(`  ok  the projector (${projector.publicUrl}) consumes ${count} shards`);
    console.log(
      `\n${change.from} -> ${change.to} shards; cut at position ${change.cut}; drain ${(change.drainMs / 1000).toFixed(1)} s`,
    );
  } catch (err) {
    if (!(err instanceof ShardCountRefusedError)) throw err;
    console.error(`refused: ${err.message}`);
    process.exitCode = 3;
  }
});
