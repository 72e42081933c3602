import { spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import {
  DEBEZIUM,
  DEBEZIUM_SECOND,
  debeziumJavaHome,
  debeziumJvmPid,
  debeziumLaunch,
  prepareDebezium,
  type DebeziumInstance,
} from '../../infra/src/native/debezium-server.ts';
import { isAlive, runningPid, stackDirs, stopRecorded } from '../../infra/src/native/processes.ts';
import { debeziumInstances, type DebeziumInstanceView } from '../../infra/src/native/slot.ts';
import { startStack } from '../../infra/src/native/stack.ts';
import { SUPERVISOR } from '../../infra/src/native/supervisor.ts';
import { childEnv, repoRoot, withSettings } from '../../infra/src/stack-config.ts';
import { commandApi, eventually, postJson, queryApi, stackDatabases } from '../support/clients.ts';
import { localPortsOf } from '../support/socket-owner.ts';
import { startWorkload } from '../support/steady-workload.ts';

const stack = inject('stack');
/** The test stack with a standby Debezium Server, and its supervisor (which restarts a dead instance). */
const standby = withSettings(stack, { DEBEZIUM_STANDBY: 'true' });
const dirs = stackDirs(stack.stackDir);
const { write, read } = stackDatabases(stack);
const log = (line: string) => console.log(`[standby] ${line}`);

/** The slot's walsender: its backend pid and the client port at its other end. */
async function walsender(): Promise<{ pid: number | null; port: number | null }> {
  const { rows } = await write.query<{ pid: number | null; port: number | null }>(
    `SELECT s.active_pid AS pid, a.client_port AS port
       FROM pg_replication_slots s LEFT JOIN pg_stat_activity a ON a.pid = s.active_pid
      WHERE s.slot_name = $1::text`,
    [stack.DEBEZIUM_SLOT],
  );
  return rows[0] ?? { pid: null, port: null };
}

/** One instance active (its health UP), the other waiting for the lease: what `npm start` waits for too. */
async function settled(): Promise<{ active: DebeziumInstanceView; waiting: DebeziumInstanceView }> {
  return eventually(async () => {
    const views = await debeziumInstances(standby);
    const active = views.find((v) => v.role === 'active');
    const waiting = views.find((v) => v.role === 'standby');
    return active && waiting ? { active, waiting } : undefined;
  }, 120_000);
}

/**
 * Samples, every 100 ms, which process reads the slot: the walsender's client port against the
 * sockets of each instance's JVM. A waiting instance never has a JVM, and the slot's reader is
 * never a waiting instance's.
 */
function watchSlotReader() {
  const seen = { samples: 0, activeReads: 0, standbyJvms: 0, standbyReads: 0 };
  let running = true;
  const loop = (async () => {
    while (running) {
      const before = new Map<DebeziumInstance, { holder: number | undefined; jvmPorts: Set<number>; jvm: boolean }>();
      for (const name of [DEBEZIUM, DEBEZIUM_SECOND] as const) {
        const holder = runningPid(dirs, name);
        const jvm = holder === undefined ? undefined : debeziumJvmPid(holder);
        before.set(name, { holder, jvm: jvm !== undefined, jvmPorts: jvm === undefined ? new Set() : localPortsOf(jvm) });
      }
      const [views, reader] = await Promise.all([debeziumInstances(standby).catch(() => []), walsender().catch(() => undefined)]);
      for (const view of views) {
        const sampled = before.get(view.name)!;
        if (reader?.port != null && sampled.jvmPorts.has(reader.port) && view.role === 'active') seen.activeReads++;
        // The same holder, waiting now, had a JVM a moment ago, or its JVM read the slot: neither may be.
        if (view.role !== 'standby' || view.pid !== sampled.holder) continue;
        if (sampled.jvm) seen.standbyJvms++;
        if (reader?.port != null && sampled.jvmPorts.has(reader.port)) seen.standbyReads++;
      }
      seen.samples++;
      await new Promise((r) => setTimeout(r, 100));
    }
  })();
  return {
    stop: async () => {
      running = false;
      await loop;
      return seen;
    },
  };
}

/**
 * Kills (-9) the active instance's JVM or its holder while orders come in at a steady rate; returns
 * how long until the other instance took the lease, and until its JVM streamed from the slot.
 */
async function killActive(target: 'jvm' | 'holder', products: number[], seed: number) {
  const { active, waiting } = await settled();
  const before = await walsender();
  const workload = startWorkload(commandApi(stack), products, seed, 10, log);
  await new Promise((r) => setTimeout(r, 3_000));
  const jvm = debeziumJvmPid(active.pid!)!;
  const killedAt = Date.now();
  process.kill(target === 'jvm' ? jvm : active.pid!, 'SIGKILL');
  if (target === 'holder') {
    // pdeathsig: the JVM dies with its holder.
    await eventually(async () => (isAlive(jvm) ? undefined : true), 5_000);
  }
  const leaseAt = await eventually(async () => {
    const views = await debeziumInstances(standby);
    return views.find((v) => v.name === waiting.name && (v.role === 'starting' || v.role === 'active')) ? Date.now() : undefined;
  }, 60_000);
  const streamingAt = await eventually(async () => {
    const now = await walsender();
    return now.pid !== null && now.pid !== before.pid ? Date.now() : undefined;
  }, 120_000);
  await new Promise((r) => setTimeout(r, 3_000));
  const stats = await workload.stop();
  return { from: active.name, to: waiting.name, leaseMs: leaseAt - killedAt, streamingMs: streamingAt - killedAt, stats };
}

/** Every order the command API answered 201 is in the read model: none lost across the take-over. */
async function expectAllProjected(orders: number[]) {
  expect(orders.length).toBeGreaterThan(20);
  await eventually(async () => {
    const { rows } = await read.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM read.orders WHERE order_id = ANY($1::int[])',
      [orders],
    );
    return rows[0]!.n === orders.length ? true : undefined;
  }, 60_000);
}

async function createProducts(n: number): Promise<number[]> {
  const ids: number[] = [];
  for (let i = 0; i < n; i++) {
    const res = await postJson(`${commandApi(stack)}/api/products`, {
      name: `Standby ${i}`,
      category: 'standby',
      price: 5,
      stock: 100_000,
    });
    expect(res.status).toBe(201);
    ids.push(res.body.productId as number);
  }
  return ids;
}

describe('a standby Debezium Server (DEBEZIUM_STANDBY=true)', () => {
  let products: number[] = [];

  beforeAll(async () => {
    await startStack(standby, log, { supervise: true });
    products = await createProducts(5);
  }, 300_000);

  afterAll(async () => {
    await stopRecorded(dirs, SUPERVISOR);
    // The first instance takes over if it was waiting; the files after this one run with it alone.
    await stopRecorded(dirs, DEBEZIUM_SECOND);
    await startStack(stack, () => undefined);
  }, 300_000);

  /** Kills the active instance's JVM or holder; the standby must stream within a minute, lose no order and never read the slot while waiting. */
  async function takeoverAfterKilling(target: 'jvm' | 'holder', round: number) {
    const watch = watchSlotReader();
    const takeover = await killActive(target, products, round);
    log(
      `${target === 'jvm' ? 'JVM' : 'holder'} of ${takeover.from} killed: ${takeover.to} took the lease after ${takeover.leaseMs} ms, streamed after ${takeover.streamingMs} ms`,
    );
    expect(takeover.streamingMs).toBeLessThan(60_000);
    await expectAllProjected(takeover.stats.acknowledgedOrders);
    const after = await settled();
    const seen = await watch.stop();
    log(`slot reader sampled ${seen.samples} times: ${JSON.stringify(seen)}`);
    expect(seen.standbyJvms).toBe(0);
    expect(seen.standbyReads).toBe(0);
    return { takeover, after, seen };
  }

  it('kill -9 of the active JVM: the standby takes the slot within seconds, the dead one comes back as the standby, no order lost', async () => {
    const { takeover, after, seen } = await takeoverAfterKilling('jvm', 1);
    // The supervisor restarted the dead instance's holder: it waits now.
    expect(after.active.name).toBe(takeover.to);
    expect(after.waiting.name).toBe(takeover.from);
    expect(seen.activeReads).toBeGreaterThan(10);
  }, 300_000);

  it('kill -9 of the active lease holder: its JVM dies with it, the standby takes over, no order lost', async () => {
    await takeoverAfterKilling('holder', 2);
  }, 300_000);

  it('the lag report, /health and /metrics name the active instance and the standby', async () => {
    const { active, waiting } = await settled();
    const status = (await (await fetch(`${queryApi(stack)}/api/analytics/sync-status`)).json()) as {
      debezium: { active: boolean; activeInstance: string | null; activeSince: string | null; standbyInstances: string[] };
    };
    expect(status.debezium).toMatchObject({ active: true, activeInstance: active.name, standbyInstances: [waiting.name] });
    expect(new Date(status.debezium.activeSince!).getTime()).toBe(active.since!.getTime());
    const health = (await (await fetch(`${queryApi(stack)}/health`)).json()) as { debezium: { activeInstance: string } };
    expect(health.debezium.activeInstance).toBe(active.name);
    const metrics = await (await fetch(`${queryApi(stack)}/metrics`)).text();
    // Its labels: the instance, then the service's default ones.
    expect(metrics).toMatch(new RegExp(`^debezium_active_instance\\{instance="${active.name}"[^}]*\\} 1$`, 'm'));
    expect(metrics).toMatch(new RegExp(`^debezium_active_instance\\{instance="${waiting.name}"[^}]*\\} 0$`, 'm'));
    const lag = await runLagInspector();
    log(`npm run lag:\n${lag}`);
    expect(lag).toMatch(new RegExp(`debezium active +${active.name} since .*, standby ${waiting.name}`));
  }, 120_000);

  it('a JVM started outside the lease cannot read the slot: Postgres refuses a second reader while the active one streams', async () => {
    const { active } = await settled();
    const before = await walsender();
    const launch = debeziumLaunch(
      standby,
      dirs,
      prepareDebezium(standby, () => undefined),
      debeziumJavaHome(standby),
      DEBEZIUM_SECOND,
    );
    // The waiting instance's ports are free (it runs no JVM); this one skips the holder, and so the lease.
    const cwd = join(dirs.root, 'intruder');
    mkdirSync(cwd, { recursive: true });
    const intruder = spawn(launch.command, launch.args, { cwd, env: launch.env });
    let output = '';
    intruder.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    intruder.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    try {
      // Debezium logs JSON: the quotes around the slot's name are escaped there.
      const refused = await eventually(
        async () => /replication slot \\?"[^"\\]+\\?" is active for PID \d+/.exec(output)?.[0],
        90_000,
      );
      log(`the intruder's JVM: ${refused}`);
      const after = await walsender();
      expect(after.pid).toBe(before.pid);
      expect(localPortsOf(intruder.pid!).has(after.port!)).toBe(false);
      expect((await debeziumInstances(standby)).find((v) => v.role === 'active')?.name).toBe(active.name);
    } finally {
      intruder.kill('SIGKILL');
      log(`the intruder's last lines:\n${output.trim().split('\n').slice(-8).join('\n')}`);
    }
  }, 120_000);
});

/** `npm run lag` (its entry file, as the query API's role), its text output. */
function runLagInspector(): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(repoRoot, 'query-api/src/cli/lag.ts')], {
      env: childEnv(stack, 'query-api'),
      cwd: join(repoRoot, 'query-api'),
    });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.on('error', reject);
    child.on('exit', () => resolve(out));
  });
}
