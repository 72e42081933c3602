import amqp from 'amqplib';
import type pg from 'pg';
import { rabbitUrls } from '@shop/shared/config';
import { connectFirstReachable } from '@shop/shared/messaging';
import type { StackConfig } from '../../infra/src/stack-config.ts';
import type { random } from '../support/random.ts';
import type { LagSample } from './lag-monitor.ts';
import type { PoisonRecord } from './poison.ts';

export type Random = ReturnType<typeof random>;

/** What a fault works with besides its kind. */
export interface FaultContext {
  stack: StackConfig;
  /** The command API's base URL. */
  api: string;
  /** The workload's products (the poison burst updates them too). */
  products: number[];
  write: pg.Pool;
  read: pg.Pool;
  /** Drawn from the run's seed and the fault's place in the schedule: every choice the fault makes comes from it. */
  rnd: Random;
  /** Every poison message published in this run, with its kind; faults append to it. */
  poison: PoisonRecord[];
  log: (line: string) => void;
  /** The run's lag monitor's sync-status samples, oldest first (a fault reads its recovery from them). */
  samples: readonly LagSample[];
}

export const topologyNames = (stack: StackConfig) => ({ exchange: stack.EVENTS_EXCHANGE, queue: stack.PROJECTOR_QUEUE });

/** A seeded Fisher–Yates shuffle, in place. */
export function shuffle<T>(items: T[], rnd: Random): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = rnd.int(0, i);
    [items[i], items[j]] = [items[j]!, items[i]!];
  }
  return items;
}

export async function withConnection<T>(stack: StackConfig, fn: (connection: amqp.ChannelModel) => Promise<T>): Promise<T> {
  const connection = await connectFirstReachable(rabbitUrls(stack), { connectionName: 'chaos', timeoutMs: 5_000 });
  connection.on('error', () => undefined);
  try {
    return await fn(connection);
  } finally {
    await connection.close().catch(() => undefined);
  }
}

export interface Outgoing {
  routingKey: string;
  headers: Record<string, unknown>;
  body: Buffer;
}

/**
 * A confirm channel on the stack's events exchange, for messages that do not come from Debezium:
 * any headers and body, each publish awaited until the broker confirmed it.
 */
export async function openPublisher(stack: StackConfig) {
  const connection = await connectFirstReachable(rabbitUrls(stack), { connectionName: 'chaos', timeoutMs: 5_000 });
  connection.on('error', () => undefined);
  const channel = await connection.createConfirmChannel();
  return {
    publish: (m: Outgoing) =>
      new Promise<void>((resolve, reject) =>
        channel.publish(stack.EVENTS_EXCHANGE, m.routingKey, m.body, { headers: m.headers, persistent: true }, (err) =>
          err ? reject(err instanceof Error ? err : new Error(String(err))) : resolve(),
        ),
      ),
    close: () => connection.close().catch(() => undefined),
  };
}

/** Polls `probe` every `intervalMs` until it is true or `timeoutMs` passed; says which. */
export async function pollUntil(probe: () => Promise<boolean>, timeoutMs: number, intervalMs = 250): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await probe().catch(() => false)) return true;
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
