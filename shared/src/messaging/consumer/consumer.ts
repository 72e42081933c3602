import amqp, { type Channel, type ChannelModel, type ConfirmChannel, type ConsumeMessage } from 'amqplib';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  deadLetterExchangeOf,
  deadLetterQueueOf,
  declareTopology,
  publishDeadLetter,
  shardQueueOf,
  type TopologyNames,
} from '../index.ts';
import { brokerAddressOf } from '../../config/index.ts';
import type { Logger } from '../../log.ts';
import { shardRange } from '../../outbox/index.ts';
import {
  backoffMs,
  connectionStep,
  startConnecting,
  type ConnectionEffect,
  type ConnectionEvent,
  type ConnectionState,
} from './connection-state.ts';
import { readyInShardQueues } from './queue-depth.ts';
import { ShardConsumer, type ShardChannel, type ShardConsumerDeps, type ShardStatus } from './shard-consumer.ts';
import type { Verdict } from './verdict.ts';

export interface ConsumerOptions {
  /** One per broker node (rabbitUrls): tried in order, the next one after a connection is lost. */
  urls: string[];
  /** The connection's name in the broker's management UI (the component: projector, notifier). */
  connectionName: string;
  names: TopologyNames;
  /** The shards to consume at first (more may follow: consumeShards). */
  shards: readonly number[];
  /** How many shards the outbox routes to: the queues declared and watched. */
  routedShardCount: number;
  prefetch: number;
  batchSize: number;
  maxDelayMs: number;
  log: Logger;
  handleBatch: (messages: ConsumeMessage[]) => Promise<Verdict[]>;
  /** Called before a message is dead-lettered; a failure leaves the message unsettled (it comes back). */
  onDeadLetter: (msg: ConsumeMessage, reason: string) => Promise<void>;
  report?: ShardConsumerDeps['report'];
}

export interface Consumer {
  isConnected(): boolean;
  /** The broker node (host:port) consumed from, or being tried. */
  broker(): string;
  /** Each consumed shard's settlement state; a shard with no open channel is absent. */
  shards(): Map<number, ShardStatus>;
  /** The shards this instance is to consume (those with no open channel included). */
  assignedShards(): number[];
  /**
   * Consumes these shards too (a change of the shard count was drained); `routedShardCount` the
   * count the outbox now routes by. Shards are never taken away: going down is refused.
   */
  consumeShards(shards: readonly number[], routedShardCount: number): Promise<void>;
  deadLetterDepth(): Promise<number | undefined>;
  /**
   * Shards that may still have events on their way: messages waiting in the queue, or deliveries
   * this instance holds unsettled. Every shard while the broker cannot be asked.
   */
  shardsInFlight(): Promise<Set<number>>;
  close(): Promise<void>;
}

interface Session {
  connection: ChannelModel;
  confirm: ConfirmChannel;
  closed: boolean;
}

/**
 * Consumes the shard queues, one channel and one ShardConsumer each (the settlement protocol
 * lives there), and keeps doing so: a shard whose channel ended is reopened after a backoff, and
 * the whole connection is re-established with exponential backoff after a broker restart
 * (the connection's protocol: connection-state.ts).
 */
export function startConsumer(opts: ConsumerOptions): Consumer {
  return new BrokerConsumer(opts);
}

/** The driver of connection-state.ts: the I/O its effects ask for, and the events the broker sends back. */
class BrokerConsumer implements Consumer {
  private state: ConnectionState;
  /** The connection being opened or consumed; events of an older one are ignored. */
  private session: Session | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private readonly active = new Map<number, ShardConsumer>();
  private readonly reopenAttempts = new Map<number, number>();
  /** Iterated live by connect(): a shard added while it opens the others is opened too. */
  private readonly assigned: Set<number>;
  private routedShardCount: number;

  constructor(private readonly opts: ConsumerOptions) {
    this.assigned = new Set(opts.shards);
    this.routedShardCount = opts.routedShardCount;
    const step = startConnecting();
    this.state = step.state;
    void this.carryOut(step.effects);
  }

  isConnected(): boolean {
    return this.open() !== undefined;
  }

  shards(): Map<number, ShardStatus> {
    return new Map([...this.active].map(([shard, consumer]) => [shard, consumer.status()]));
  }

  assignedShards(): number[] {
    return [...this.assigned].sort((a, b) => a - b);
  }

  async consumeShards(shards: readonly number[], routedShardCount: number): Promise<void> {
    this.routedShardCount = Math.max(this.routedShardCount, routedShardCount);
    const added = shards.filter((shard) => !this.assigned.has(shard));
    if (added.length === 0) return;
    for (const shard of added) this.assigned.add(shard);
    this.opts.log.info({ added, shards: this.assignedShards() }, 'consuming more shards');
    // Not consuming: the next connect opens every assigned shard, these included.
    const session = this.open();
    if (!session) return;
    for (const shard of added) {
      await this.consumeShard(session, shard).catch((err: unknown) => {
        this.opts.log.warn({ err, shard }, 'cannot open the new shard; reconnecting');
        void session.connection.close().catch(() => undefined);
      });
    }
  }

  async deadLetterDepth(): Promise<number | undefined> {
    const session = this.open();
    if (!session) return undefined;
    // A channel of its own: a failed check closes the channel it ran on.
    const channel = await session.connection.createChannel().catch(() => undefined);
    const ok = await channel?.checkQueue(deadLetterQueueOf(this.opts.names)).catch(() => undefined);
    await channel?.close().catch(() => undefined);
    return ok?.messageCount;
  }

  async shardsInFlight(): Promise<Set<number>> {
    const session = this.open();
    const ready = session
      ? await readyInShardQueues(session.connection, this.opts.names, this.routedShardCount).catch(() => undefined)
      : undefined;
    if (!ready) return new Set(shardRange(this.routedShardCount));
    const held = [...this.active].filter(([, consumer]) => consumer.status().unsettled > 0).map(([shard]) => shard);
    return new Set([...[...ready].filter(([, n]) => n > 0).map(([shard]) => shard), ...held]);
  }

  close(): Promise<void> {
    return this.dispatch({ type: 'stop' });
  }

  /** The session while consuming on it. */
  private open(): Session | undefined {
    return this.state.name === 'consuming' && this.session && !this.session.closed ? this.session : undefined;
  }

  private stopRequested(): boolean {
    return this.state.name === 'stopping' || this.state.name === 'stopped';
  }

  private dispatch(event: ConnectionEvent): Promise<void> {
    const step = connectionStep(this.state, event, this.opts.maxDelayMs, this.opts.urls.length);
    this.state = step.state;
    return this.carryOut(step.effects);
  }

  private async carryOut(effects: ConnectionEffect[]): Promise<void> {
    for (const effect of effects) await this.perform(effect);
  }

  private async perform(effect: ConnectionEffect): Promise<void> {
    switch (effect.kind) {
      case 'connect':
        void this.connect(effect.address);
        return;
      case 'report-consuming':
        this.opts.log.info(
          { shards: this.assignedShards(), prefetch: this.opts.prefetch, batchSize: this.opts.batchSize, broker: this.broker() },
          'consuming',
        );
        return;
      case 'wait':
        this.opts.log.warn({ reason: effect.reason, delayMs: effect.delayMs, next: this.broker() }, 'reconnecting to rabbitmq');
        this.retryTimer = setTimeout(() => void this.dispatch({ type: 'retry-due' }), effect.delayMs);
        return;
      case 'cancel-wait':
        clearTimeout(this.retryTimer);
        return;
      case 'lose-shards':
        for (const shard of this.active.values()) shard.channelLost(new Error('connection closed'));
        return;
      case 'stop-shards':
        await Promise.allSettled([...this.active.values()].map((shard) => shard.stop()));
        return;
      case 'close-connection':
        await this.session?.connection.close().catch(() => undefined);
        return;
    }
  }

  /** The broker node connected to or tried last, as host:port. */
  broker(): string {
    const address = this.state.name === 'stopping' || this.state.name === 'stopped' ? 0 : this.state.address;
    return brokerAddressOf(this.opts.urls[address] ?? this.opts.urls[0]!);
  }

  /** Opens a connection to the address-th broker node and consumes every shard on it; the outcome is an event. */
  private async connect(address: number): Promise<void> {
    let connection: ChannelModel | undefined;
    try {
      connection = await amqp.connect(this.opts.urls[address]!, {
        clientProperties: { connection_name: this.opts.connectionName },
      });
      const session: Session = { connection, confirm: await connection.createConfirmChannel(), closed: false };
      this.session = session;
      this.watch(session);
      await declareTopology(session.confirm, this.opts.names, this.routedShardCount);
      for (const shard of this.assigned) await this.consumeShard(session, shard);
      if (session.closed) throw new Error('connection closed while opening');
    } catch (err) {
      if (!this.stopRequested()) this.opts.log.warn({ err, broker: this.broker() }, 'cannot consume from rabbitmq');
      await connection?.close().catch(() => undefined);
      return this.dispatch({ type: 'connect-failed' });
    }
    return this.dispatch({ type: 'connected' });
  }

  private watch(session: Session): void {
    const { connection, confirm } = session;
    connection.on('error', (err: unknown) => this.opts.log.warn({ err }, 'rabbitmq connection error'));
    connection.on('close', () => {
      session.closed = true;
      if (session === this.session) void this.dispatch({ type: 'connection-closed' });
    });
    confirm.on('error', (err: unknown) => this.opts.log.warn({ err }, 'dead-letter channel error'));
    confirm.on('close', () => {
      // Parking needs it: without it every dead letter would be returned until the next reconnect.
      if (!session.closed) void connection.close().catch(() => undefined);
    });
  }

  private async consumeShard(session: Session, shard: number): Promise<void> {
    // A shard opened after stop would take deliveries no one waits for.
    if (this.stopRequested()) throw new Error('consumer stopped');
    const queue = shardQueueOf(this.opts.names, shard);
    const channel = await session.connection.createChannel();
    channel.on('error', (err: unknown) => this.opts.log.warn({ err, queue }, 'shard channel error'));
    await channel.prefetch(this.opts.prefetch);
    const consumer = new ShardConsumer({
      queue,
      channel: shardChannel(channel),
      batchSize: this.opts.batchSize,
      log: this.opts.log,
      handleBatch: this.opts.handleBatch,
      park: (msg, reason, note) => this.park(session, queue, msg, reason, note),
      retryDelayMs: (attempt) => backoffMs(attempt, this.opts.maxDelayMs),
      sleep: (ms) => sleep(ms),
      report: this.opts.report,
    });
    channel.on('close', () => consumer.channelLost());
    this.active.set(shard, consumer);
    void consumer.ended.then((fault) => {
      if (this.active.get(shard) === consumer) this.active.delete(shard);
      if (fault && !this.stopRequested() && !session.closed) this.reopenShard(session, shard);
    });
    await channel.consume(queue, (msg) => consumer.deliver(msg));
  }

  private async park(session: Session, queue: string, msg: ConsumeMessage, reason: string, note: boolean): Promise<void> {
    if (note) await this.opts.onDeadLetter(msg, reason);
    await publishDeadLetter(session.confirm, deadLetterExchangeOf(this.opts.names), msg, queue, reason);
    this.opts.log.warn({ queue, reason, routingKey: msg.fields.routingKey }, 'dead-lettered');
  }

  /** A shard whose channel ended after a fault gets a new one, after a pause that grows while faults repeat. */
  private reopenShard(session: Session, shard: number): void {
    const n = this.reopenAttempts.get(shard) ?? 0;
    this.reopenAttempts.set(shard, n + 1);
    setTimeout(
      () => {
        if (this.stopRequested() || session.closed) return;
        this.consumeShard(session, shard)
          .then(() => setTimeout(() => this.reopenAttempts.delete(shard), this.opts.maxDelayMs * 3).unref())
          .catch((err: unknown) => {
            this.opts.log.warn({ err, shard }, 'cannot reopen shard channel; reconnecting');
            void session.connection.close().catch(() => undefined);
          });
      },
      backoffMs(n, this.opts.maxDelayMs),
    ).unref();
  }
}

/** The settlement calls on an amqplib channel, by delivery tag. */
function shardChannel(channel: Channel): ShardChannel {
  const byTag = (tag: number) => ({ fields: { deliveryTag: tag } }) as ConsumeMessage;
  return {
    ack: (tag, multiple) => channel.ack(byTag(tag), multiple),
    returnToQueue: (tag) => channel.nack(byTag(tag), false, true),
    close: () => channel.close(),
  };
}
