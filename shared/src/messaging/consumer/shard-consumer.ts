import type { ConsumeMessage } from 'amqplib';
import type { Logger } from '../../log.ts';
import { planSettlements, settledBy, type Outcome, type SettlementOp } from './settlement-plan.ts';
import { TransientFailure, type Verdict } from './verdict.ts';

/** The part of an AMQP channel the settlement protocol uses. */
export interface ShardChannel {
  ack(tag: number, multiple: boolean): void;
  /** Back to the queue (nack with requeue). */
  returnToQueue(tag: number): void;
  /** Ends the channel: the broker returns every delivery not settled yet. */
  close(): Promise<void>;
}

/**
 * consuming: waiting for deliveries or taking the next batch. handling: a batch is in the
 * handler (retried while the read database is away). parking: dead letters of the batch are
 * being recorded and published. settling: the batch's acks and returns are being sent.
 * ended: the channel is gone (a fault closed it, the broker closed it, or stop); nothing more
 * is settled on it, and every delivery it held is back with the broker.
 */
export type ShardState = 'consuming' | 'handling' | 'parking' | 'settling' | 'ended';

export interface ShardConsumerDeps {
  queue: string;
  channel: ShardChannel;
  batchSize: number;
  log: Logger;
  handleBatch(batch: ConsumeMessage[]): Promise<Verdict[]>;
  /**
   * Records the dead letter (unless `note` is false: see Verdict) and publishes it to the DLQ with
   * a confirm; throws when it could not.
   */
  park(msg: ConsumeMessage, reason: string, note: boolean): Promise<void>;
  /** Pause before retry number `attempt` (0-based) of something that failed. */
  retryDelayMs(attempt: number): number;
  sleep(ms: number): Promise<void>;
  now?: () => number;
  /** Counters for /metrics; each call is one event. */
  report?: (event: 'parked' | 'park-failed' | 'returned' | 'fault') => void;
}

export interface ShardStatus {
  state: ShardState;
  unsettled: number;
  /**
   * Since when (ms since epoch) the shard has had deliveries without acknowledging any: its last
   * ack, or the first delivery after it. Null while it has nothing to do. Returns are not
   * progress: a shard that only ever returns the same message keeps its time.
   */
  waitingSince: number | null;
}

/**
 * The settlement protocol of one shard queue on one channel. Every delivery ends in exactly one
 * of: applied and acked; parked in the DLQ (confirmed) and acked; returned to the broker (a nack
 * with requeue, or the channel closed). An unexpected error anywhere between receive and ack
 * ends the channel, which returns every unsettled delivery at once (the inbox absorbs repeats);
 * the owner opens a new one. Deliveries of a batch are settled only after its transaction
 * committed, and an ack never covers a delivery that is not acknowledged on purpose.
 */
export class ShardConsumer {
  private stateValue: ShardState = 'consuming';
  private readonly buffer: ConsumeMessage[] = [];
  /** Unsettled delivery tags, in arrival (= ascending) order. */
  private readonly unsettled = new Set<number>();
  private pump: Promise<void> | undefined;
  private stopping = false;
  private parkFailures = 0;
  private waitingSince: number | null = null;
  private resolveEnded!: (reason: Error | undefined) => void;
  /** Settles once the channel is gone: with the fault that ended it, or undefined after stop(). */
  readonly ended: Promise<Error | undefined> = new Promise((resolve) => (this.resolveEnded = resolve));

  constructor(private readonly deps: ShardConsumerDeps) {}

  get state(): ShardState {
    return this.stateValue;
  }

  status(): ShardStatus {
    return { state: this.stateValue, unsettled: this.unsettled.size, waitingSince: this.waitingSince };
  }

  /** A delivery from the broker; null means the broker cancelled the consumer (queue deleted). */
  deliver(msg: ConsumeMessage | null): void {
    if (this.isEnded()) return;
    if (msg === null) {
      void this.end(new Error(`consumer of ${this.deps.queue} cancelled by the broker`));
      return;
    }
    this.unsettled.add(msg.fields.deliveryTag);
    this.waitingSince ??= this.now();
    this.buffer.push(msg);
    if (!this.pump && !this.stopping) this.pump = this.run().finally(() => (this.pump = undefined));
  }

  /** The broker or the connection closed the channel: its deliveries are already back in the queue. */
  channelLost(err?: Error): void {
    if (this.isEnded()) return;
    this.unsettled.clear();
    this.buffer.length = 0;
    this.finish(err ?? new Error(`channel of ${this.deps.queue} closed`));
  }

  /** Finishes the batch in hand, then ends the channel, which returns what was not handled yet. */
  async stop(): Promise<void> {
    this.stopping = true;
    await this.pump;
    await this.end(undefined);
  }

  private async run(): Promise<void> {
    try {
      while (this.buffer.length > 0 && !this.stopping && this.stateValue === 'consuming') {
        if (this.parkFailures > 0) await this.deps.sleep(this.deps.retryDelayMs(this.parkFailures - 1));
        const batch = this.buffer.splice(0, this.deps.batchSize);
        this.enter('handling');
        const verdicts = await this.handle(batch);
        this.enter('parking');
        const outcomes = await this.carryOut(batch, verdicts);
        this.enter('settling');
        this.settle(outcomes);
        this.enter('consuming');
      }
    } catch (err) {
      if (this.isEnded()) return;
      this.deps.report?.('fault');
      this.deps.log.warn({ err, queue: this.deps.queue }, 'settlement fault: returning every unsettled delivery');
      await this.end(err instanceof Error ? err : new Error(String(err)));
    }
  }

  /** The handler's verdicts, retrying the same batch while the read database is away. */
  private async handle(batch: ConsumeMessage[]): Promise<Verdict[]> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.deps.handleBatch(batch);
      } catch (err) {
        if (!(err instanceof TransientFailure) || this.stopping || this.isEnded()) throw err;
        const delayMs = this.deps.retryDelayMs(attempt);
        this.deps.log.warn({ err: err.message, queue: this.deps.queue, delayMs }, 'a database is unavailable; retrying batch');
        await this.deps.sleep(delayMs);
        if (this.isEnded()) throw err;
      }
    }
  }

  /** Parks the dead letters; one that cannot be parked is returned to the broker, never dropped. */
  private async carryOut(batch: ConsumeMessage[], verdicts: Verdict[]): Promise<Map<number, Outcome>> {
    const outcomes = outcomesOf(batch, verdicts);
    for (const verdict of verdicts) {
      if (verdict.action !== 'dead-letter') continue;
      try {
        await this.deps.park(verdict.msg, verdict.reason, verdict.note ?? true);
        this.parkFailures = 0;
        this.deps.report?.('parked');
      } catch (err) {
        if (this.isEnded()) throw err;
        this.parkFailures += 1;
        outcomes.set(verdict.msg.fields.deliveryTag, 'return');
        this.deps.report?.('park-failed');
        this.deps.log.error(
          { err, queue: this.deps.queue, reason: verdict.reason },
          'cannot park a message; returned to the queue',
        );
      }
    }
    return outcomes;
  }

  /** A method, not a field test: the state changes under awaits, which narrowing does not know. */
  private isEnded(): boolean {
    return this.stateValue === 'ended';
  }

  /** A transition; none leads out of `ended`: a channel that is gone settles nothing more. */
  private enter(state: Exclude<ShardState, 'ended'>): void {
    if (this.isEnded()) throw new Error(`channel of ${this.deps.queue} ended`);
    this.stateValue = state;
  }

  private settle(outcomes: Map<number, Outcome>): void {
    for (const op of planSettlements([...this.unsettled], outcomes)) this.send(op);
  }

  private send(op: SettlementOp): void {
    const settled = settledBy(op, [...this.unsettled]);
    if (op.kind === 'ack') this.deps.channel.ack(op.tag, op.multiple);
    else {
      this.deps.channel.returnToQueue(op.tag);
      this.deps.report?.('returned');
    }
    for (const tag of settled) this.unsettled.delete(tag);
    // Progress is an ack: what is still held waits from now on.
    if (op.kind === 'ack') this.waitingSince = this.unsettled.size > 0 ? this.now() : null;
  }

  private async end(reason: Error | undefined): Promise<void> {
    if (this.isEnded()) return;
    this.stateValue = 'ended';
    this.buffer.length = 0;
    this.unsettled.clear();
    await this.deps.channel.close().catch(() => undefined);
    this.finish(reason);
  }

  private finish(reason: Error | undefined): void {
    this.stateValue = 'ended';
    this.resolveEnded(reason);
  }

  private now(): number {
    return (this.deps.now ?? Date.now)();
  }
}

/** One outcome per delivery of the batch; a handler that answers otherwise is a bug, not a verdict. */
function outcomesOf(batch: ConsumeMessage[], verdicts: Verdict[]): Map<number, Outcome> {
  const outcomes = new Map<number, Outcome>();
  for (const verdict of verdicts) {
    const tag = verdict.msg.fields.deliveryTag;
    if (outcomes.has(tag)) throw new Error(`two verdicts for delivery ${tag}`);
    outcomes.set(tag, verdict.action === 'requeue' ? 'return' : 'ack');
  }
  if (outcomes.size !== batch.length || batch.some((msg) => !outcomes.has(msg.fields.deliveryTag))) {
    throw new Error(`${verdicts.length} verdicts for a batch of ${batch.length}`);
  }
  return outcomes;
}
