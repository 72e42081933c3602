import { afterAll, describe, expect, inject, it } from 'vitest';
import { stackDirs, stopRecorded } from '../../infra/src/native/processes.ts';
import { startStack, startSupervisor } from '../../infra/src/native/stack.ts';
import { SUPERVISOR } from '../../infra/src/native/supervisor.ts';
import { runChaos } from '../chaos/chaos.ts';
import { FAULT_KINDS } from '../chaos/faults.ts';

const stack = inject('stack');

/** `npm run chaos` in short: one fault of each kind under the mixed workload, then every invariant. */
describe('chaos, one fault of each kind', () => {
  afterAll(async () => {
    await stopRecorded(stackDirs(stack.stackDir), SUPERVISOR);
    // Leave the stack whole for the files after this one, whatever happened here.
    await startStack(stack, () => undefined);
  });

  it('loses nothing and counts nothing twice', async () => {
    startSupervisor(stack);
    const result = await runChaos(stack, { seconds: 50, faultsPerKind: 1, seed: 8, rate: 15 }, () => undefined);

    expect(result.faults.map((f) => f.kind).sort()).toEqual([...FAULT_KINDS].sort());
    for (const check of result.invariants) expect(check, check.detail).toMatchObject({ ok: true });
    expect(result.passed).toBe(true);
    expect(result.workload.acknowledgedOrders).toBeGreaterThan(100);
    // Retention ran all through (a round every 5 s): the invariants held while it archived and pruned.
    expect(result.retention.rounds).toBeGreaterThan(5);
  }, 300_000);
});
