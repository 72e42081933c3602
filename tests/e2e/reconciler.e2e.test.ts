import { spawn } from 'node:child_process';
import { join } from 'node:path';
import amqp from 'amqplib';
import { describe, expect, inject, it } from 'vitest';
import { rabbitUrl } from '@shop/shared/config';
import { shardQueueOf } from '@shop/shared/messaging';
import { DEBEZIUM } from '../../infra/src/native/debezium-server.ts';
import { runningPid, stackDirs, stopRecorded } from '../../infra/src/native/processes.ts';
import { startServices, startStack } from '../../infra/src/native/stack.ts';
import { childEnv, repoRoot } from '../../infra/src/stack-config.ts';
import { startExtraProjector } from '../support/extra-projector.ts';
import { commandApi, eventually, getIfFound, postJson, projectorStats, queryApi, stackDatabases } from '../support/clients.ts';

const stack = inject('stack');
const dirs = stackDirs(stack.stackDir);
const { write, read } = stackDatabases(stack);
// Beside the stack's own ports (18080-18087: the notifier has 18085).
const HEALER_PORT = 18_088;
const topology = { exchange: stack.EVENTS_EXCHANGE, queue: stack.PROJECTOR_QUEUE };

interface Status {
  missing: number | null;
  eventsBehind: number | null;
  debezium: { active: boolean | null };
}
const status = async () => (await (await fetch(`${queryApi(stack)}/api/analytics/sync-status`)).json()) as Status;

/** Runs one of the project's command-line tools (its entry file) against the test stack. */
function runCli(entry: string, args: string[]): Promise<{ code: number; stdout: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(repoRoot, entry), ...args], {
      // Each tool as its service's role: the lag view as the query API, reconcile as the projector.
      env: childEnv(stack, entry.startsWith('query-api/') ? 'query-api' : 'projector'),
      cwd: repoRoot,
    });
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.on('error', reject);
    child.on('exit', (code) => resolve({ code: code ?? -1, stdout }));
  });
}

async function createProducts(names: string[]): Promise<number[]> {
  const ids: number[] = [];
  for (const name of names) {
    const res = await postJson(`${commandApi(stack)}/api/products`, { name, category: 'reconcile', price: 2, stock: 3 });
    expect(res.status).toBe(201);
    ids.push(res.body.productId as number);
  }
  return ids;
}

const projected = async (ids: number[]) =>
  (await read.query<{ n: number }>('SELECT count(*)::int AS n FROM read.products WHERE product_id = ANY($1::int[])', [ids]))
    .rows[0]!.n;

/**
 * Debezium away and its slot dropped while writes go on. With `clearOffsets` its offsets go too:
 * the same as a first start after the command API took writes.
 */
async function writeWhileSlotIsGone(names: string[], clearOffsets: boolean): Promise<number[]> {
  await stopRecorded(dirs, DEBEZIUM);
  await eventually(async () => ((await status()).debezium.active === false ? true : undefined), 20_000);
  await write.query('SELECT pg_drop_replication_slot($1::text)', [stack.DEBEZIUM_SLOT]);
  if (clearOffsets) await write.query(`DELETE FROM ${stack.DEBEZIUM_OFFSET_TABLE}`);
  const written = await createProducts(names);
  await startStack(stack, () => undefined);
  return written;
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
 * Events lost where no snapshot of Debezium's can see it: the projector is away while an operator
 * purges the shard queues holding them (any loss between Debezium and the read side looks alike).
 */
async function loseInTheBroker(names: string[]): Promise<number[]> {
  await stopRecorded(dirs, 'projector');
  const lost = await createProducts(names);
  const { rows } = await write.query<{ route: string }>(
    `SELECT DISTINCT route FROM outbox WHERE type = 'ProductCreated' AND aggregateid = ANY($1::text[])`,
    [lost.map(String)],
  );
  const queues = rows.map((r) => shardQueueOf(topology, Number(r.route.split('.')[1])));
  await waitUntilPublished();
  const connection = await amqp.connect(rabbitUrl(stack));
  try {
    const channel = await connection.createChannel();
    for (const queue of queues) await channel.purgeQueue(queue);
  } finally {
    await connection.close();
  }
  await startServices(stack, dirs, () => undefined);
  return lost;
}

describe('no write lost because the slot did not exist', () => {
  for (const clearOffsets of [false, true]) {
    const when = clearOffsets ? 'before Debezium first starts' : 'while the slot was dropped and recreated';
    it(`writes made ${when} are published by Debezium's snapshot when it starts`, async () => {
      const [earlier] = await createProducts(['Before']);
      await eventually(() => getIfFound(`${queryApi(stack)}/api/products/${earlier}`), 30_000);
      const before = await projectorStats(stack);
      const written = await writeWhileSlotIsGone(['Gap A', 'Gap B', 'Gap C'], clearOffsets);
      await eventually(async () => ((await projected(written)) === written.length ? true : undefined), 60_000);
      // The snapshot sent the whole outbox again: the inbox absorbed what it already had.
      expect((await projectorStats(stack)).duplicates).toBeGreaterThan(before.duplicates);
      await eventually(async () => ((await status()).eventsBehind === 0 ? true : undefined), 30_000);
    }, 120_000);
  }
});

describe('reconciler: events lost after Debezium are found and healed through Debezium', () => {
  it('reports them missing everywhere (sync-status, npm run lag, /health, /metrics); npm run reconcile publishes exactly them again', async () => {
    const lost = await loseInTheBroker(['Lost A', 'Lost B', 'Lost C']);
    const [after] = await createProducts(['After']);
    await eventually(() => getIfFound(`${queryApi(stack)}/api/products/${after}`), 30_000);
    expect(await projected(lost)).toBe(0);

    // Detected within the grace period (test stack: 2 s) plus an audit interval.
    const seen = await eventually(async () => {
      const s = await status();
      return s.missing === lost.length ? s : undefined;
    }, 20_000);
    expect(seen.eventsBehind).toBeGreaterThanOrEqual(lost.length);
    expect((await projectorStats(stack)).status).toBe('degraded');
    const metrics = await (await fetch(`http://127.0.0.1:${stack.PROJECTOR_PORT}/metrics`)).text();
    expect(metrics).toMatch(new RegExp(`^projector_missing_events\\{[^}]*\\} ${lost.length}$`, 'm'));
    const lag = await runCli('query-api/src/cli/lag.ts', ['--json']);
    expect(lag.code).toBe(1);
    expect(lag.stdout).toMatch(/events missing/);

    const duplicatesBefore = (await projectorStats(stack)).duplicates;
    const reconcile = await runCli('projector/src/cli/reconcile.ts', []);
    expect(reconcile.stdout).toMatch(new RegExp(`missing +${lost.length}`));
    expect(reconcile.stdout).toMatch(/nothing missing/);
    expect(reconcile.code).toBe(0);
    expect(await projected(lost)).toBe(lost.length);
    // Exactly the missing rows were published again: nothing else came back as a duplicate.
    expect((await projectorStats(stack)).duplicates).toBe(duplicatesBefore);
    await eventually(async () => ((await status()).missing === 0 ? true : undefined), 20_000);
    expect((await runCli('query-api/src/cli/lag.ts', ['--json'])).code).toBe(0);
    await eventually(async () => ((await projectorStats(stack)).status === 'ok' ? true : undefined), 20_000);
  }, 120_000);

  it('a heal of 400 events at once: Debezium keeps running (its offsets hold the snapshot request) and all arrive', async () => {
    const debezium = runningPid(dirs, DEBEZIUM);
    const lost = await loseInTheBroker(Array.from({ length: 400 }, (_, i) => `Many ${i}`));
    const reconcile = await runCli('projector/src/cli/reconcile.ts', []);
    expect(reconcile.stdout).toMatch(/missing +400/);
    expect(reconcile.code).toBe(0);
    expect(await projected(lost)).toBe(lost.length);
    expect(runningPid(dirs, DEBEZIUM)).toBe(debezium);
    const [after] = await createProducts(['After the heal']);
    await eventually(() => getIfFound(`${queryApi(stack)}/api/products/${after}`), 30_000);
    // Its offsets are still saved (they hold the snapshot request, with its filter): they move past now.
    const { rows } = await write.query<{ lsn: string }>('SELECT pg_current_wal_lsn()::text AS lsn');
    await eventually(async () => {
      const offset = (await (await fetch(`${queryApi(stack)}/api/analytics/sync-status`)).json()) as {
        debezium: { offsetLsn: string | null };
      };
      if (!offset.debezium.offsetLsn) return undefined;
      const { rows: cmp } = await write.query<{ past: boolean }>('SELECT $1::pg_lsn >= $2::pg_lsn AS past', [
        offset.debezium.offsetLsn,
        rows[0]!.lsn,
      ]);
      return cmp[0]!.past ? true : undefined;
    }, 20_000);
  }, 120_000);

  it('a backlog waiting in the queues is not a loss: nothing is reported missing or healed', async () => {
    await stopRecorded(dirs, 'projector');
    try {
      const queued = await createProducts(['Queued A', 'Queued B', 'Queued C']);
      await waitUntilPublished();
      // Older than the grace period (2 s), not projected, but still in their queues.
      await new Promise((r) => setTimeout(r, 2500));
      const audit = await runCli('projector/src/cli/reconcile.ts', ['--json']);
      expect(JSON.parse(audit.stdout.trim().split('\n').at(-1)!)).toMatchObject({ missing: 0, ok: true });
      expect(audit.code).toBe(0);
      expect(await projected(queued)).toBe(0);
    } finally {
      await startServices(stack, dirs, () => undefined);
    }
  }, 60_000);

  it('a projector configured to heal publishes them again by itself', async () => {
    const healer = 'projector-healer';
    const lost = await loseInTheBroker(['Healed A', 'Healed B']);
    try {
      // A second instance: a standby consumer (single active consumer), whose reconciler heals.
      await startExtraProjector(stack, healer, HEALER_PORT, { env: { RECONCILE_HEAL: 'true' }, waitUntilHealthy: false });
      await eventually(async () => ((await projected(lost)) === lost.length ? true : undefined), 60_000);
      await eventually(async () => ((await status()).missing === 0 ? true : undefined), 20_000);
    } finally {
      await stopRecorded(dirs, healer);
    }
  }, 120_000);
});
