import { spawn } from 'node:child_process';
import { join } from 'node:path';
import amqp from 'amqplib';
import { describe, expect, inject, it } from 'vitest';
import { rabbitUrl } from '@shop/shared/config';
import { notifierTopologyNames, shardQueueOf } from '@shop/shared/messaging';
import { stackDirs, stopRecorded } from '../../infra/src/native/processes.ts';
import { stackShardCount } from '../../infra/src/native/rabbitmq.ts';
import { startServices } from '../../infra/src/native/stack.ts';
import { childEnv, repoRoot, type DbLogin } from '../../infra/src/stack-config.ts';
import { commandApi, eventually, postJson, queryApi, stackDatabases } from '../support/clients.ts';

const stack = inject('stack');
const dirs = stackDirs(stack.stackDir);
const { write, read } = stackDatabases(stack);
const notifierNames = notifierTopologyNames(stack.EVENTS_EXCHANGE, stack.NOTIFIER_QUEUE);

interface Status {
  missing: number | null;
  notifier: {
    eventsBehind: number | null;
    lagSeconds: number | null;
    missing: number | null;
    delivered: number | null;
    parked: number | null;
    recorded: number | null;
    lastEventAt: string | null;
  };
  unreachable: string[];
}
const status = async () => (await (await fetch(`${queryApi(stack)}/api/analytics/sync-status`)).json()) as Status;

/** Runs one of the project's command-line tools (its entry file) against the test stack, as `login`. */
function runCli(entry: string, args: string[], login: DbLogin): Promise<{ code: number; stdout: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(repoRoot, entry), ...args], {
      env: childEnv(stack, login),
      cwd: repoRoot,
    });
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.on('error', reject);
    child.on('exit', (code) => resolve({ code: code ?? -1, stdout }));
  });
}

const highestPosition = async () =>
  Number((await write.query<{ p: string }>('SELECT coalesce(max(position), 0)::text AS p FROM outbox')).rows[0]!.p);

async function placeOrder(productId: number) {
  const res = await postJson(`${commandApi(stack)}/api/orders`, { customerId: 26, items: [{ productId, quantity: 1 }] });
  expect(res.status).toBe(201);
}

/** Debezium confirms an LSN to the slot once the broker has confirmed what came before it. */
async function waitUntilPublished() {
  const { rows: wal } = await write.query<{ lsn: string }>('SELECT pg_current_wal_lsn()::text AS lsn');
  await eventually(async () => {
    const { rows: slot } = await write.query<{ done: boolean }>(
      'SELECT confirmed_flush_lsn >= $2::pg_lsn AS done FROM pg_replication_slots WHERE slot_name = $1::text',
      [stack.DEBEZIUM_SLOT, wal[0]!.lsn],
    );
    return slot[0]?.done ? true : undefined;
  }, 30_000);
}

/**
 * Events lost by the notifier alone: it is away while an operator purges its shard queues (any
 * loss between the exchange and its inbox looks alike). The projector's queues keep theirs.
 */
async function loseForTheNotifier(productId: number, orders: number): Promise<string[]> {
  await stopRecorded(dirs, 'notifier');
  const from = await highestPosition();
  for (let i = 0; i < orders; i++) await placeOrder(productId);
  await waitUntilPublished();
  const { rows } = await write.query<{ id: string }>(
    'SELECT id::text FROM outbox WHERE position > $1::bigint ORDER BY position',
    [from],
  );
  const connection = await amqp.connect(rabbitUrl(stack));
  try {
    const channel = await connection.createChannel();
    const shards = await stackShardCount(stack);
    for (let shard = 0; shard < shards; shard++) await channel.purgeQueue(shardQueueOf(notifierNames, shard));
  } finally {
    await connection.close();
  }
  await startServices(stack, dirs, () => undefined);
  return rows.map((r) => r.id);
}

const settled = async (ids: string[]) =>
  (await read.query<{ n: number }>('SELECT count(*)::int AS n FROM notifier.inbox WHERE event_id = ANY($1::uuid[])', [ids]))
    .rows[0]!.n;

describe("the notifier's audit: events it never received are reported missing, beside the projector's", () => {
  it('reports them in sync-status, npm run lag, /metrics and its /health; npm run notifier:heal publishes exactly them again', async () => {
    const product = await postJson(`${commandApi(stack)}/api/products`, {
      name: 'Notified',
      category: 'n',
      price: 4,
      stock: 100,
    });
    expect(product.status).toBe(201);
    const productId = product.body.productId as number;
    await eventually(async () => ((await status()).notifier.eventsBehind === 0 ? true : undefined), 30_000);
    const before = await status();

    const lost = await loseForTheNotifier(productId, 2);
    expect(lost.length).toBeGreaterThanOrEqual(2);
    await placeOrder(productId);
    expect(await settled(lost)).toBe(0);

    // Found within the grace period (test stack: 2 s) plus an audit interval; the projector has them all.
    const seen = await eventually(async () => {
      const s = await status();
      return s.notifier.missing === lost.length ? s : undefined;
    }, 30_000);
    // The projector found nothing more missing: the loss is the notifier's alone.
    expect(seen.missing).toBe(before.missing);
    expect(seen.unreachable).toEqual([]);
    expect(seen.notifier.eventsBehind).toBeGreaterThanOrEqual(lost.length);
    expect(seen.notifier.lagSeconds).toBeGreaterThan(0);
    expect(seen.notifier.recorded! + seen.notifier.delivered!).toBeGreaterThan(0);
    expect(seen.notifier.lastEventAt).not.toBeNull();

    const metrics = await (await fetch(`${queryApi(stack)}/metrics`)).text();
    expect(metrics).toMatch(new RegExp(`^notifier_missing_events\\{[^}]*\\} ${lost.length}$`, 'm'));
    expect(metrics).toMatch(/^notifier_events_behind\{[^}]*\} \d+$/m);
    expect(metrics).toMatch(/^notifier_lag_seconds\{[^}]*\} [\d.]+$/m);
    const health = (await (await fetch(`http://127.0.0.1:${stack.NOTIFIER_PORT}/health`)).json()) as {
      audit: { missing: number; problems: string[] };
    };
    expect(health.audit.missing).toBe(lost.length);
    expect(health.audit.problems).toEqual([expect.stringMatching(new RegExp(`^${lost.length} events missing`))]);

    const json = await runCli('query-api/src/cli/lag.ts', ['--json'], 'query-api');
    expect(json.code).toBe(1);
    expect((JSON.parse(json.stdout) as { problems: string[] }).problems).toEqual([
      expect.stringMatching(new RegExp(`^${lost.length} events missing from the notifier`)),
    ]);
    const text = await runCli('query-api/src/cli/lag.ts', [], 'query-api');
    expect(text.stdout).toMatch(new RegExp(`^notifier +\\d+ events behind, oldest [\\d.]+ s old, missing ${lost.length},`, 'm'));

    const heal = await runCli('notifier/src/cli/heal.ts', [], 'notifier');
    expect(heal.stdout).toMatch(new RegExp(`^${lost.length} missing events asked for`, 'm'));
    expect(heal.code).toBe(0);
    await eventually(async () => ((await settled(lost)) === lost.length ? true : undefined), 60_000);
    await eventually(async () => {
      const s = await status();
      return s.notifier.missing === 0 && s.notifier.eventsBehind === 0 ? true : undefined;
    }, 30_000);
    expect((await runCli('query-api/src/cli/lag.ts', ['--json'], 'query-api')).code).toBe(0);
    expect((await runCli('notifier/src/cli/heal.ts', [], 'notifier')).code).toBe(3);
  }, 180_000);

  it('a backlog waiting in its queues while it was away is not a loss: nothing is reported missing while it catches up', async () => {
    const product = await postJson(`${commandApi(stack)}/api/products`, { name: 'Queued', category: 'n', price: 4, stock: 100 });
    await stopRecorded(dirs, 'notifier');
    try {
      for (let i = 0; i < 20; i++) await placeOrder(product.body.productId as number);
      await waitUntilPublished();
      // Older than the grace period (2 s) and not settled, but still in its queues.
      await new Promise((r) => setTimeout(r, 3000));
    } finally {
      await startServices(stack, dirs, () => undefined);
    }
    // Its audits run from its start, while it works through the backlog: none may call it a loss.
    const seen: (number | null)[] = [];
    await eventually(async () => {
      const s = await status();
      seen.push(s.notifier.missing);
      return s.notifier.eventsBehind === 0 ? true : undefined;
    }, 30_000);
    await new Promise((r) => setTimeout(r, 1500));
    seen.push((await status()).notifier.missing);
    expect(seen.every((m) => m === 0)).toBe(true);
  }, 90_000);
});
