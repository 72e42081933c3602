import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { postgresUrl } from '@shop/shared/config';
import { createPool, migrate } from '@shop/shared/db';
import {
  OperationAlreadyActive,
  abandonStale,
  claimOperation,
  finishOperation,
  latestOperations,
  recordOperation,
  reportProgress,
} from '@shop/shared/operations';
import { ensureDatabases } from '../../infra/src/native/postgres-cluster.ts';

const stack = inject('stack');
const migrations = fileURLToPath(new URL('../../projector/migrations', import.meta.url));

/**
 * The operations table (rebuild, reconcile) against a real read database of its own (the test
 * stack's projector runs operations in the shared one): one of a kind at a time however callers
 * race, one claimer per request, no update once an operation is finished, and a dead runner's
 * operation failed rather than left running forever.
 */
describe('operations.requests', () => {
  const name = `operations_${randomBytes(5).toString('hex')}`;
  let pool: ReturnType<typeof createPool>;

  beforeAll(async () => {
    await ensureDatabases(stack, [name]);
    await migrate(postgresUrl(stack, name), migrations, pino({ level: 'silent' }));
    pool = createPool(postgresUrl(stack, name), 12, 'operations-test');
  });
  afterAll(async () => {
    await pool.end();
  });

  it('lets exactly one of ten racing requests of a kind in, and names the active one to the others', async () => {
    const results = await Promise.allSettled(
      Array.from({ length: 10 }, (_, i) => recordOperation(pool, { kind: 'rebuild', requestedBy: `racer ${i}` })),
    );
    const won = results.filter((r) => r.status === 'fulfilled');
    const refused = results.filter((r) => r.status === 'rejected').map((r) => r.reason as unknown);
    expect(won).toHaveLength(1);
    expect(refused).toHaveLength(9);
    for (const err of refused) {
      expect(err).toBeInstanceOf(OperationAlreadyActive);
      expect((err as OperationAlreadyActive).active.id).toBe(won[0]!.value.id);
    }
    // Another kind is not blocked by it.
    const reconcile = await recordOperation(pool, { kind: 'reconcile', requestedBy: 'test' });
    expect(reconcile.state).toBe('requested');
  });

  it('hands each request to one of several racing claimers, oldest first, and none twice', async () => {
    const claims = await Promise.all(Array.from({ length: 8 }, () => claimOperation(pool)));
    const claimed = claims.filter((c) => c !== undefined);
    expect(claimed.map((c) => c.kind).sort()).toEqual(['rebuild', 'reconcile']);
    expect(claimed.every((c) => c.state === 'running' && c.startedAt !== null)).toBe(true);
    expect(await claimOperation(pool)).toBeUndefined();
  });

  it('records progress while running, the outcome once, and nothing after it', async () => {
    const { rebuild } = await latestOperations(pool);
    expect(await reportProgress(pool, rebuild!.id, { phase: 'replaying', done: 4_000, total: 10_000 })).toBe(true);
    expect((await latestOperations(pool)).rebuild).toMatchObject({ phase: 'replaying', done: 4_000, total: 10_000 });
    await finishOperation(pool, rebuild!.id, { succeeded: true, result: { events: 10_000 } });
    await finishOperation(pool, rebuild!.id, { succeeded: false, error: 'late failure report' });
    expect(await reportProgress(pool, rebuild!.id, { phase: 'late', done: 1, total: 1 })).toBe(false);
    const after = (await latestOperations(pool)).rebuild!;
    expect(after).toMatchObject({ state: 'succeeded', phase: 'replaying', done: 4_000, error: null });
    expect(after.result).toEqual({ events: 10_000 });
    // Finished: the next rebuild may be requested.
    expect((await recordOperation(pool, { kind: 'rebuild', requestedBy: 'test' })).state).toBe('requested');
  });

  it('fails a running operation whose heartbeat stopped, and only that one', async () => {
    const { reconcile } = await latestOperations(pool);
    expect(reconcile!.state).toBe('running');
    const cli = await recordOperation(pool, { kind: 'rebuild', requestedBy: 'npm run rebuild', running: true }).catch(
      (err: unknown) => err,
    );
    expect(cli).toBeInstanceOf(OperationAlreadyActive); // the requested rebuild of the last test
    await pool.query(`UPDATE operations.requests SET heartbeat_at = now() - interval '61 seconds' WHERE id = $1`, [
      reconcile!.id,
    ]);
    expect(await abandonStale(pool, 60_000)).toMatchObject([{ id: reconcile!.id, state: 'failed' }]);
    expect((await latestOperations(pool)).reconcile!.error).toMatch(/^abandoned: the process running it stopped/);
    expect(await abandonStale(pool, 60_000)).toEqual([]);
    // Its kind is free again.
    expect((await recordOperation(pool, { kind: 'reconcile', requestedBy: 'test', running: true })).state).toBe('running');
    expect(await abandonStale(pool, 60_000)).toEqual([]); // a fresh heartbeat is not stale
  });
});
