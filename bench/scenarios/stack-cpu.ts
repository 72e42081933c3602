import type { BenchContext } from '../context.ts';
import { waitUntilDrained } from '../context.ts';
import { startCpuAccounting, stackCores, type CpuShare } from '../cpu-accounting.ts';
import { runOrdersAtRate, type Progress } from './freshness.ts';

/** The whole stack with no load: what it costs to keep running. */
export interface IdleWindow {
  seconds: number;
  /** Cores the bench stack's processes used (cpu-accounting.ts: its pieces and their children). */
  stackCores: number;
  loadGeneratorCores: number;
  cpu: CpuShare[];
}

/**
 * `seconds` with no load once the pipeline has drained: nothing is sent and nothing is polled
 * during the window, so what the stack's processes use is their own background work (Debezium's
 * heartbeat and poll loop, the reconciler, timers, RabbitMQ, Postgres' background processes).
 */
export async function idleWindow(ctx: BenchContext, seconds: number, progress: Progress, label: string): Promise<IdleWindow> {
  await waitUntilDrained(ctx, 300_000);
  const cpu = await startCpuAccounting(ctx.read, ctx.dirs);
  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  for (let s = 0; s < seconds; s++) {
    progress(label, s, seconds);
    await new Promise((r) => setTimeout(r, Math.min(1, seconds - s) * 1000));
  }
  const elapsed = (performance.now() - started) / 1000;
  const used = process.cpuUsage(cpuBefore);
  const shares = await cpu.stop();
  return {
    seconds: elapsed,
    stackCores: stackCores(shares),
    loadGeneratorCores: (used.user + used.system) / 1e6 / elapsed,
    cpu: shares,
  };
}

/** Ours under a steady load: CPU of the stack's processes per event, from the load's start until drained. */
export interface LiveCpuWindow {
  rate: number;
  /** The load's length (open loop), seconds. */
  seconds: number;
  sent: number;
  failed: number;
  /** Outbox events the window wrote (an order writes an OrderPlaced and a ProductUpdated per line). */
  events: number;
  /** From the load's start until every event was applied, seconds. */
  cpuSeconds: number;
  stackCores: number;
  stackCpuMsPerEvent: number;
  loadGeneratorCores: number;
  cpu: CpuShare[];
}

/**
 * Orders at `rate` without the broker tap (which adds a queue of its own to RabbitMQ's work),
 * counting the CPU of every process from the load's start until the projector has applied
 * every event: the stack's CPU per event while it keeps up live.
 */
export async function liveCpuWindow(
  ctx: BenchContext,
  rate: number,
  seconds: number,
  progress: Progress,
  label: string,
): Promise<LiveCpuWindow> {
  const r = await runOrdersAtRate(ctx, rate, seconds, progress, label, { tap: false, cpu: true });
  const cpu = r.cpu!;
  const cores = stackCores(cpu.shares);
  return {
    rate,
    seconds,
    sent: r.load.sent,
    failed: r.load.failed,
    events: r.outboxEvents,
    cpuSeconds: cpu.seconds,
    stackCores: cores,
    stackCpuMsPerEvent: (cores * cpu.seconds * 1000) / Math.max(1, r.outboxEvents),
    loadGeneratorCores: r.loadGeneratorCores,
    cpu: cpu.shares,
  };
}
