import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import type { GetMessage } from 'amqplib';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { headerText } from '@shop/shared/events';
import { describeDeadLetter, redrive, visitDeadLetters } from '@shop/shared/messaging';
import { childEnv, repoRoot } from '../../infra/src/stack-config.ts';
import { stackShardCount } from '../../infra/src/native/rabbitmq.ts';
import { commandApi, eventually, getIfFound, postJson, projectorStats, queryApi, stackDatabases } from '../support/clients.ts';
import { debeziumHeaders, publishMessages, withBroker } from '../support/publish.ts';

/**
 * The broker is a trust boundary (docs/guarantees.md): anyone who can publish to the events
 * exchange can hand the projector a well-formed message. These are the forgeries that decoding
 * alone let through, each with what it did to the read side.
 */
const stack = inject('stack');
const names = { exchange: stack.EVENTS_EXCHANGE, queue: stack.PROJECTOR_QUEUE };
const { read, write } = stackDatabases(stack);
/** Marks this file's forged messages, which keep it on their dead letters (the original headers are kept). */
const RUN_HEADER = 'x-test-run';
const CASE_HEADER = 'x-test-untrusted-case';
const run = randomUUID();
const BLOCKED = 'Parked for real';

const json = (value: unknown) => Buffer.from(JSON.stringify(value));
const product = (productId: number, name: string) => ({ productId, name, category: 'untrusted', price: 2, stock: 5 });

async function publishForged(caseName: string, aggregateId: string, headers: Record<string, unknown>, body: Buffer) {
  await publishMessages(stack, [
    { aggregateType: 'product', aggregateId, headers: { ...headers, [RUN_HEADER]: run, [CASE_HEADER]: caseName }, body },
  ]);
}

const caseOf = (msg: GetMessage) => {
  const headers = msg.properties.headers ?? {};
  return headerText(headers[RUN_HEADER]) === run ? headerText(headers[CASE_HEADER]) : undefined;
};

/** The reasons our forged messages were parked with, by case. */
async function parkedForged(): Promise<Map<string, string>> {
  const found = new Map<string, string>();
  await withBroker(stack, (connection) =>
    visitDeadLetters(connection, names, async (msg) => {
      const name = caseOf(msg);
      if (name) found.set(name, describeDeadLetter(msg).reason);
      return 'keep';
    }),
  );
  return found;
}

const inboxHas = async (id: string) =>
  (await read.query('SELECT 1 FROM read.inbox WHERE event_id = $1::uuid', [id])).rowCount === 1;

/** The forged message of `caseName` carrying event `id` was either applied (in the inbox) or parked: the projector is done with it. */
async function settled(caseName: string, id: string): Promise<{ applied: boolean; reason: string | undefined }> {
  return eventually(async () => {
    const reason = (await parkedForged()).get(caseName);
    const applied = await inboxHas(id);
    return applied || reason !== undefined ? { applied, reason } : undefined;
  }, 30_000);
}

async function createProduct(name: string): Promise<number> {
  const res = await postJson(`${commandApi(stack)}/api/products`, { name, category: 'untrusted', price: 2, stock: 5 });
  expect(res.status).toBe(201);
  return res.body.productId as number;
}

/** The id of the newest outbox event of a product (the command API wrote it). */
async function newestEventOf(productId: number): Promise<string> {
  const { rows } = await write.query<{ id: string }>(
    `SELECT id::text FROM outbox WHERE aggregatetype = 'product' AND aggregateid = $1::text ORDER BY position DESC LIMIT 1`,
    [String(productId)],
  );
  return rows[0]!.id;
}

interface Status {
  unknown?: number | null;
  projector: { deadLettered: number | null };
}
const syncStatus = async () => (await (await fetch(`${queryApi(stack)}/api/analytics/sync-status`)).json()) as Status;

function runLag(): Promise<{ code: number; output: { ok: boolean; problems: string[]; unknown?: number } }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(repoRoot, 'query-api/src/cli/lag.ts'), '--json'], {
      env: childEnv(stack, 'query-api'),
      cwd: repoRoot,
    });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.on('error', reject);
    child.on('exit', (code) => resolve({ code: code ?? -1, output: JSON.parse(out) }));
  });
}

const metricValue = async (url: string, name: string) => {
  const text = await (await fetch(url)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name} `) || l.startsWith(`${name}{`));
  return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(' ') + 1));
};

describe('the broker is a trust boundary: forged well-formed messages', () => {
  const forgedIds: string[] = [];

  afterAll(async () => {
    await read.query(`ALTER TABLE read.products DROP CONSTRAINT IF EXISTS untrusted_blocked`);
    await read.query('DELETE FROM read.dead_letters WHERE event_id = ANY($1::uuid[])', [forgedIds]);
    await withBroker(stack, (connection) =>
      visitDeadLetters(connection, names, async (msg, channel) => {
        if (!caseOf(msg)) return 'keep';
        channel.ack(msg);
        return 'settled';
      }),
    );
  });

  it('parks an event whose occurredAt is beyond the clock-skew bound: later real events of its product still win', async () => {
    const productId = await createProduct('Before the skew');
    await eventually(() => getIfFound(`${queryApi(stack)}/api/products/${productId}`));
    const id = randomUUID();
    forgedIds.push(id);
    const headers = debeziumHeaders(id, String(productId), {
      eventType: '"ProductUpdated"',
      occurredAt: '"9999-12-31T00:00:00.000Z"',
    });
    await publishForged('future', String(productId), headers, json(product(productId, 'Frozen')));
    const forged = await settled('future', id);

    const patched = await fetch(`${commandApi(stack)}/api/products/${productId}`, {
      method: 'PATCH',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'After the skew' }),
    });
    expect(patched.status).toBe(200);
    const real = await newestEventOf(productId);
    await eventually(async () => ((await inboxHas(real)) ? true : undefined), 30_000);

    expect(await getIfFound(`${queryApi(stack)}/api/products/${productId}`)).toMatchObject({ name: 'After the skew' });
    expect(forged).toMatchObject({
      applied: false,
      reason: expect.stringMatching(
        /^untrusted: occurredAt 9999-12-31T00:00:00\.000Z is more than \d+ s ahead of this projector's clock/,
      ),
    });
  });

  it('parks an event whose position is above the outbox high-water mark, and never a real new one', async () => {
    const id = randomUUID();
    forgedIds.push(id);
    const productId = 1_999_000_201;
    const headers = debeziumHeaders(id, String(productId), { position: String(Number.MAX_SAFE_INTEGER) });
    await publishForged('position', String(productId), headers, json(product(productId, 'Far ahead')));
    const forged = await settled('position', id);
    expect(forged).toMatchObject({
      applied: false,
      reason: expect.stringMatching(/^untrusted: position 9007199254740991 is above the outbox's highest position \d+/),
    });
    const { rows } = await read.query<{ max: string | null }>(
      'SELECT max(highest_applied)::text AS max FROM read.shard_progress',
    );
    expect(BigInt(rows[0]!.max ?? 0)).toBeLessThan(BigInt(Number.MAX_SAFE_INTEGER));
    expect(await getIfFound(`${queryApi(stack)}/api/products/${productId}`)).toBeUndefined();

    // Real events always carry a position above the last mark the projector read: each is
    // checked against a mark read after it arrived, and none is parked.
    const created = await Promise.all(Array.from({ length: 20 }, (_, i) => createProduct(`Real ${i}`)));
    await eventually(async () => {
      const { rows: n } = await read.query<{ n: number }>(
        'SELECT count(*)::int AS n FROM read.products WHERE product_id = ANY($1::int[])',
        [created],
      );
      return n[0]!.n === created.length ? true : undefined;
    }, 30_000);
    const ids = await Promise.all(created.map(newestEventOf));
    const { rows: parked } = await read.query('SELECT event_id FROM read.dead_letters WHERE event_id = ANY($1::uuid[])', [ids]);
    expect(parked).toEqual([]);
  });

  it('a forged copy of a dead letter (its id, another body) is parked and does not mark it handled; the real one still applies when re-driven', async () => {
    await read.query(`ALTER TABLE read.products ADD CONSTRAINT untrusted_blocked CHECK (name <> '${BLOCKED}')`);
    const productId = await createProduct(BLOCKED);
    const id = await newestEventOf(productId);
    // Parked for real after its attempts: the note says why.
    await eventually(
      async () =>
        (await read.query('SELECT 1 FROM read.dead_letters WHERE event_id = $1::uuid', [id])).rowCount === 1 ? true : undefined,
      60_000,
    );
    const deadLettered = (await syncStatus()).projector.deadLettered;
    const original = await eventually(async () => {
      let headers: Record<string, unknown> | undefined;
      await withBroker(stack, (connection) =>
        visitDeadLetters(connection, names, async (msg) => {
          if (describeDeadLetter(msg).eventId === id && !caseOf(msg)) headers = msg.properties.headers ?? {};
          return 'keep';
        }),
      );
      return headers;
    }, 20_000);
    const copied = Object.fromEntries(Object.entries(original).filter(([key]) => !key.startsWith('x-')));

    await publishForged('dead-letter copy', String(productId), copied, json(product(productId, 'Forged copy')));
    const forged = await settled('dead-letter copy', id);
    expect(forged).toMatchObject({
      applied: false,
      reason: expect.stringMatching(/^untrusted: not the outbox's event [0-9a-f-]{36}: \S/),
    });
    const { rows: note } = await read.query<{ reason: string }>(
      'SELECT reason FROM read.dead_letters WHERE event_id = $1::uuid',
      [id],
    );
    expect(note[0]?.reason).toMatch(/^projection failed \(attempt \d of \d\)/);
    expect((await syncStatus()).projector.deadLettered).toBe(deadLettered);
    expect(await getIfFound(`${queryApi(stack)}/api/products/${productId}`)).toBeUndefined();

    // The real dead letter, re-driven once its cause is gone, is applied: not a duplicate of the copy.
    await read.query('ALTER TABLE read.products DROP CONSTRAINT untrusted_blocked');
    const redriven = await withBroker(stack, async (connection) => {
      let count = 0;
      await visitDeadLetters(connection, names, async (msg, channel) => {
        if (describeDeadLetter(msg).eventId !== id || caseOf(msg)) return 'keep';
        count += (await redrive(channel, names, msg)) ? 1 : 0;
        return 'settled';
      });
      return count;
    });
    expect(redriven).toBe(1);
    expect(await eventually(() => getIfFound(`${queryApi(stack)}/api/products/${productId}`), 30_000)).toMatchObject({
      name: BLOCKED,
    });
  });

  it('a copy of an applied event with its id in capitals is a duplicate, and holds nothing up', async () => {
    const productId = await createProduct('Lowercase');
    const id = await newestEventOf(productId);
    await eventually(async () => ((await inboxHas(id)) ? true : undefined), 30_000);
    const before = await projectorStats(stack);
    const headers = debeziumHeaders(id.toUpperCase(), String(productId), {});
    await publishForged('capitals', String(productId), headers, json(product(productId, 'In capitals')));
    // Postgres answers the inbox's ids in lowercase: a copy kept in capitals was never found to be one.
    await eventually(async () => ((await projectorStats(stack)).duplicates > before.duplicates ? true : undefined), 20_000);
    const later = await createProduct('After the capitals');
    await eventually(() => getIfFound(`${queryApi(stack)}/api/products/${later}`), 20_000);
    expect(await getIfFound(`${queryApi(stack)}/api/products/${productId}`)).toMatchObject({ name: 'Lowercase' });
    expect((await parkedForged()).has('capitals')).toBe(false);
  });

  it('an applied event that is not in the outbox log is reported unknown: sync-status, npm run lag, /metrics, /health, the console', async () => {
    const before = (await syncStatus()).unknown ?? 0;
    const id = randomUUID();
    const productId = 1_999_000_301;
    // Well-formed, plausible, no position: nothing on the message itself gives it away, so it is applied.
    const headers = debeziumHeaders(id, String(productId), {});
    delete headers.position;
    await publishForged('unknown', String(productId), headers, json(product(productId, 'From nowhere')));
    try {
      await eventually(async () => ((await inboxHas(id)) ? true : undefined), 30_000);
      // Found within the reconciler's grace period (test stack: 2 s) and an audit interval.
      const status = await eventually(async () => {
        const s = await syncStatus();
        return s.unknown === before + 1 ? s : undefined;
      }, 20_000).catch(async () => syncStatus());
      expect(status.unknown).toBe(before + 1);
      const lag = await runLag();
      expect(lag.code).toBe(1);
      expect(lag.output.unknown).toBe(before + 1);
      expect(lag.output.problems.join('\n')).toMatch(/applied events? (is|are) not in the outbox log \(unknown\)/);
      expect(await metricValue(`${queryApi(stack)}/metrics`, 'pipeline_unknown_events')).toBe(before + 1);
      await eventually(
        async () =>
          (await metricValue(`http://127.0.0.1:${stack.PROJECTOR_PORT}/metrics`, 'projector_unknown_events')) === before + 1
            ? true
            : undefined,
        10_000,
      );
      const health = (await (await fetch(`http://127.0.0.1:${stack.PROJECTOR_PORT}/health`)).json()) as {
        status: string;
        problems: string[];
      };
      expect(health.status).toBe('degraded');
      expect(health.problems.join('\n')).toMatch(/not in the outbox log/);
      const snapshot = (await (await fetch(`${queryApi(stack)}/console/api/snapshot`)).json()) as { status: Status };
      expect(snapshot.status.unknown).toBe(before + 1);
    } finally {
      // Gone from the inbox (as a rebuild from the outbox would leave it), it is no longer reported.
      await read.query(
        `WITH gone AS (DELETE FROM read.inbox WHERE event_id = $1::uuid
                       RETURNING abs(hashtextextended('product:' || aggregate_id, 0)) % $2::int AS shard)
         UPDATE read.shard_progress c SET applied = c.applied - 1 FROM gone WHERE c.shard = gone.shard`,
        [id, await stackShardCount(stack)],
      );
      await read.query('DELETE FROM read.products WHERE product_id = $1::int', [productId]);
    }
    await eventually(async () => ((await syncStatus()).unknown === before ? true : undefined), 20_000);
    await eventually(async () => ((await projectorStats(stack)).status === 'ok' ? true : undefined), 20_000);
  });
});
