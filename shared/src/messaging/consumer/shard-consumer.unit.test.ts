import type { ConsumeMessage } from 'amqplib';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { random } from '../../../../tests/support/random.ts';
import { ShardConsumer, type ShardChannel, type ShardConsumerDeps } from './shard-consumer.ts';
import { TransientFailure, type Verdict } from './verdict.ts';

/** Seeded: every schedule below is reproducible from its seed. */
function seeded(seed: number) {
  const rnd = random(seed);
  return { next: rnd.next, chance: (p: number) => rnd.next() < p, int: (n: number) => rnd.int(0, n - 1) };
}

const log = pino({ level: 'silent' });
const tick = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * A broker holding one queue of messages (by event id), handing them to one channel at a time
 * with AMQP's settlement rules: a multiple ack settles every unsettled delivery up to its tag, a
 * nack with requeue and a closed channel put deliveries back at the head of the queue, and
 * settling a tag twice is a channel error (recorded as a violation).
 */
class ModelBroker {
  queue: string[] = [];
  violations: string[] = [];
  acked: string[] = [];
  private unsettled = new Map<number, string>();
  private nextTag = 1;
  closed = false;

  constructor(private readonly rng: ReturnType<typeof seeded>) {}

  channel(faults: { ackThrows: number }): ShardChannel {
    this.unsettled = new Map();
    this.nextTag = 1;
    this.closed = false;
    return {
      ack: (tag, multiple) => {
        if (this.closed) throw new Error('Channel closed');
        if (faults.ackThrows > 0 && this.rng.chance(faults.ackThrows)) {
          this.close();
          throw new Error('Channel closed');
        }
        const tags = multiple ? [...this.unsettled.keys()].filter((t) => t <= tag) : [tag];
        for (const t of tags) {
          const id = this.unsettled.get(t);
          if (id === undefined) this.violations.push(`ack of unknown or settled tag ${t}`);
          else this.acked.push(id);
          this.unsettled.delete(t);
        }
      },
      returnToQueue: (tag) => {
        if (this.closed) throw new Error('Channel closed');
        const id = this.unsettled.get(tag);
        if (id === undefined) this.violations.push(`nack of unknown or settled tag ${tag}`);
        else this.queue.unshift(id);
        this.unsettled.delete(tag);
      },
      close: async () => {
        this.close();
      },
    };
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.queue.unshift(...this.unsettled.values());
    this.unsettled.clear();
  }

  /** Delivers up to `n` messages from the head of the queue on the open channel. */
  deliver(consumer: ShardConsumer, n: number): void {
    for (let i = 0; i < n && this.queue.length > 0 && !this.closed; i++) {
      const id = this.queue.shift()!;
      const tag = this.nextTag++;
      this.unsettled.set(tag, id);
      consumer.deliver({
        fields: { deliveryTag: tag },
        properties: { headers: { id } },
        content: Buffer.from(id),
      } as unknown as ConsumeMessage);
    }
  }
}

const idOf = (msg: ConsumeMessage) => String(msg.properties.headers?.id);

/**
 * One randomized schedule: messages (some poison, some failing a few times) flow through
 * channels that fail at every step between receive and ack, until each has ended as applied or
 * parked. Returns what happened, for the invariants.
 */
async function runSchedule(seed: number) {
  const rng = seeded(seed);
  const broker = new ModelBroker(rng);
  const count = 1 + rng.int(60);
  const poison = new Set<string>();
  const flaky = new Map<string, number>();
  for (let i = 0; i < count; i++) {
    const id = `e${i}`;
    broker.queue.push(id);
    const kind = rng.next();
    if (kind < 0.1) poison.add(id);
    else if (kind < 0.2) flaky.set(id, 1 + rng.int(3));
  }
  const applied = new Map<string, number>();
  const parked = new Set<string>();
  const p = {
    handlerThrows: rng.next() * 0.15,
    transient: rng.next() * 0.2,
    parkThrows: rng.next() * 0.4,
    ackThrows: rng.next() * 0.1,
    lost: rng.next() * 0.05,
  };

  for (let round = 0; round < 500 && broker.queue.length > 0; round++) {
    const consumer = new ShardConsumer({
      queue: 'q',
      channel: broker.channel({ ackThrows: p.ackThrows }),
      batchSize: 1 + rng.int(10),
      log,
      retryDelayMs: () => 0,
      sleep: () => tick(),
      handleBatch: async (batch) => {
        await tick();
        if (rng.chance(p.transient)) throw new TransientFailure(new Error('read database away'));
        if (rng.chance(p.handlerThrows)) throw new Error('unexpected handler error');
        // The batch's transaction commits here; its verdicts follow.
        return batch.map((msg): Verdict => {
          const id = idOf(msg);
          if (poison.has(id)) return { msg, action: 'dead-letter', reason: 'invalid: poison' };
          const failuresLeft = flaky.get(id) ?? 0;
          if (failuresLeft > 0) {
            flaky.set(id, failuresLeft - 1);
            return { msg, action: 'requeue' };
          }
          applied.set(id, (applied.get(id) ?? 0) + 1);
          return { msg, action: 'ack' };
        });
      },
      park: async (msg) => {
        await tick();
        if (rng.chance(p.parkThrows)) throw new Error('dead-letter bookkeeping failed');
        parked.add(idOf(msg));
      },
    });
    while (consumer.state !== 'ended' && (broker.queue.length > 0 || consumer.status().unsettled > 0)) {
      broker.deliver(consumer, 1 + rng.int(8));
      await tick();
      if (rng.chance(p.lost)) {
        broker.close();
        consumer.channelLost();
      }
    }
    await consumer.stop();
    broker.close();
  }
  return { broker, applied, parked, poison, count };
}

describe('shard settlement protocol under randomized faults (seeded)', () => {
  it('every delivery ends applied and acked, parked and acked, or returned; nothing acked that was not applied or parked', async () => {
    for (let seed = 1; seed <= 300; seed++) {
      const { broker, applied, parked, poison, count } = await runSchedule(seed);
      const context = `seed ${seed}`;
      expect(broker.violations, context).toEqual([]);
      expect(broker.queue, context).toEqual([]);
      for (const id of broker.acked) expect(applied.has(id) || parked.has(id), `${context}: ${id} acked`).toBe(true);
      const settled = new Set(broker.acked);
      expect(settled.size, context).toBe(count);
      for (const id of poison) expect(parked.has(id) && !applied.has(id), `${context}: poison ${id}`).toBe(true);
    }
  });
});

describe('shard settlement protocol, by case', () => {
  const message = (tag: number, id = `e${tag}`) =>
    ({ fields: { deliveryTag: tag }, properties: { headers: { id } }, content: Buffer.from(id) }) as unknown as ConsumeMessage;

  /** A handler whose first call waits for `release`, so the deliveries after the first form one batch. */
  function gated(verdicts: (batch: ConsumeMessage[]) => Verdict[]) {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    return {
      release,
      handleBatch: async (batch: ConsumeMessage[]) => {
        await gate;
        return verdicts(batch);
      },
    };
  }

  const caseConsumer = (channel: ShardChannel, handleBatch: ShardConsumerDeps['handleBatch'], park: ShardConsumerDeps['park']) =>
    new ShardConsumer({ queue: 'q', channel, batchSize: 10, log, retryDelayMs: () => 0, sleep: () => tick(), handleBatch, park });

  const settledAll = async (consumer: ShardConsumer) => {
    while (consumer.status().unsettled > 0 && consumer.state !== 'ended') await tick();
  };

  function recordingChannel() {
    const ops: string[] = [];
    const channel: ShardChannel = {
      ack: (tag, multiple) => ops.push(multiple ? `ack<=${tag}` : `ack ${tag}`),
      returnToQueue: (tag) => ops.push(`return ${tag}`),
      close: async () => {
        ops.push('close');
      },
    };
    return { ops, channel };
  }

  it('a dead letter that cannot be parked is returned alone; the rest of its batch is acked one by one, never cumulatively past it', async () => {
    const { ops, channel } = recordingChannel();
    const handler = gated((batch) =>
      batch.map((msg): Verdict =>
        msg.fields.deliveryTag === 2 ? { msg, action: 'dead-letter', reason: 'invalid' } : { msg, action: 'ack' },
      ),
    );
    const consumer = caseConsumer(channel, handler.handleBatch, async () => {
      throw new Error('bookkeeping failed');
    });
    for (const tag of [1, 2, 3, 4]) consumer.deliver(message(tag));
    handler.release();
    await settledAll(consumer);
    await consumer.stop();
    expect(ops).toEqual(['ack 1', 'return 2', 'ack 3', 'ack 4', 'close']);
  });

  it('an unexpected error after the handler returns ends the channel without any ack', async () => {
    const { ops, channel } = recordingChannel();
    // A handler bug: one verdict short for batches of more than one.
    const handler = gated((batch) => batch.slice(batch.length > 1 ? 1 : 0).map((msg): Verdict => ({ msg, action: 'ack' })));
    const consumer = caseConsumer(channel, handler.handleBatch, async () => undefined);
    for (const tag of [1, 2, 3]) consumer.deliver(message(tag));
    handler.release();
    const fault = await consumer.ended;
    expect(fault?.message).toMatch(/1 verdicts for a batch of 2/);
    expect(ops).toEqual(['ack 1', 'close']);
    expect(consumer.status().unsettled).toBe(0);
  });

  it('a batch whose deliveries are all applied is settled with one cumulative ack', async () => {
    const { ops, channel } = recordingChannel();
    const handler = gated((batch) => batch.map((msg): Verdict => ({ msg, action: 'ack' })));
    const consumer = caseConsumer(channel, handler.handleBatch, async () => undefined);
    for (const tag of [1, 2, 3, 4]) consumer.deliver(message(tag));
    handler.release();
    await settledAll(consumer);
    await consumer.stop();
    expect(ops).toEqual(['ack 1', 'ack<=4', 'close']);
  });

  it('progress is an ack: a shard that only returns its message keeps waiting; an ack resets the wait', async () => {
    const { channel } = recordingChannel();
    let clock = 1000;
    const consumer = new ShardConsumer({
      queue: 'q',
      channel,
      batchSize: 10,
      log,
      retryDelayMs: () => 0,
      sleep: () => tick(),
      now: () => clock,
      handleBatch: async (batch) =>
        batch.map((msg): Verdict =>
          idOf(msg) === 'poison' ? { msg, action: 'dead-letter', reason: 'invalid' } : { msg, action: 'ack' },
        ),
      park: async () => {
        throw new Error('bookkeeping failed');
      },
    });
    for (let tag = 1; tag <= 3; tag++) {
      consumer.deliver(message(tag, 'poison'));
      await settledAll(consumer);
      clock += 5000;
    }
    expect(consumer.status()).toMatchObject({ unsettled: 0, waitingSince: 1000 });
    consumer.deliver(message(4, 'healthy'));
    await settledAll(consumer);
    expect(consumer.status()).toMatchObject({ unsettled: 0, waitingSince: null });
    await consumer.stop();
  });
});
