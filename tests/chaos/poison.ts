import { randomUUID } from 'node:crypto';
import type { Outgoing, Random } from './fault-context.ts';

/**
 * Poison messages: what no outbox row can become, published straight to the events exchange.
 * Each is a Debezium-shaped ProductCreated message (JSON-quoted string headers, schema version as
 * text, the payload JSON as body) with exactly one thing wrong, so a projector that accepted it
 * would apply it: the check is that it is parked instead, with a reason, and never applied.
 */
export const POISON_KINDS = [
  'not-json',
  'invalid-utf8',
  'nul-in-payload',
  'nul-in-header',
  'huge-body',
  'unknown-type',
  'schema-v2',
  'header-object',
  'header-array',
  'header-number',
  'missing-id',
  'huge-position',
  'product-id-overflow',
] as const;
export type PoisonKind = (typeof POISON_KINDS)[number];

/** Names a poison message of this run wherever it ends up, whatever its `id` header looks like. */
export const POISON_TAG = 'chaosPoison';

export interface PoisonRecord {
  kind: PoisonKind;
  /** The value of its POISON_TAG header. */
  tag: string;
  /**
   * Its event id, sent as a proper (JSON-quoted uuid) `id` header: such a message must also be
   * noted in read.dead_letters. Undefined for missing-id, which can only be in the DLQ.
   */
  id: string | undefined;
  routingKey: string;
}

export type PoisonMessage = PoisonRecord & Outgoing;

/** Product ids the write side of these stacks never reaches (2,000,000,000 and up, below 2^31). */
const POISON_PRODUCT_BASE = 2_000_000_000;
/** Above the projector's body limit (1 MiB), below the broker's (2 MiB), which refuses anything larger. */
const HUGE = 1.5 * 1024 * 1024;

interface Draft {
  headers: Record<string, unknown>;
  body: Buffer;
  product: { productId: number; name: string; category: string; price: number; stock: number };
}

const json = (value: unknown) => Buffer.from(JSON.stringify(value));

/** What is wrong with each kind, applied to a valid draft. */
const SPOIL: Record<PoisonKind, (d: Draft) => void> = {
  'not-json': (d) => (d.body = Buffer.from(`{"productId": ${d.product.productId}, "name": `)),
  // Well-formed JSON around bytes that are not UTF-8 (a lone continuation byte, an overlong
  // start, an encoded surrogate): a lossy decoder would store U+FFFD and apply it.
  'invalid-utf8': (d) =>
    (d.body = Buffer.concat([
      Buffer.from(`{"productId":${d.product.productId},"name":"`),
      Buffer.from([0xff, 0xfe, 0xc3, 0x28, 0xed, 0xa0, 0x80]),
      Buffer.from('","category":"chaos-poison","price":1,"stock":1}'),
    ])),
  'nul-in-payload': (d) => (d.body = json({ ...d.product, name: 'nul\u0000inside' })),
  'nul-in-header': (d) => (d.headers.eventType = JSON.stringify('Product\u0000Created')),
  'huge-body': (d) => (d.body = json({ ...d.product, name: 'x'.repeat(HUGE) })),
  'unknown-type': (d) => {
    d.headers.eventType = JSON.stringify('ProductArchived');
    d.body = json({ productId: d.product.productId });
  },
  'schema-v2': (d) => (d.headers.schemaVersion = '2'),
  // Wrong AMQP types where Debezium sends text: a table, an array, a long integer.
  'header-object': (d) => (d.headers.eventType = { type: 'ProductCreated' }),
  'header-array': (d) => (d.headers.aggregateId = [String(d.product.productId)]),
  'header-number': (d) => (d.headers.occurredAt = Date.now()),
  'missing-id': (d) => delete d.headers.id,
  'huge-position': (d) => (d.headers.position = '99999999999999999999'),
  // The read model's product_id is a 32-bit integer.
  'product-id-overflow': () => undefined,
};

/** One poison message of `kind`, with a fresh event id, to the shard queue of a random one of `shardCount` shards. */
export function poisonMessage(kind: PoisonKind, rnd: Random, shardCount: number): PoisonMessage {
  const offset = rnd.int(0, 99_999_999);
  const shard = rnd.int(0, shardCount - 1);
  const productId = kind === 'product-id-overflow' ? 2 ** 31 + offset : POISON_PRODUCT_BASE + offset;
  const id = randomUUID();
  const tag = randomUUID();
  const product = { productId, name: `poison ${kind}`, category: 'chaos-poison', price: 1, stock: 1 };
  const draft: Draft = {
    product,
    body: json(product),
    headers: {
      id: JSON.stringify(id),
      eventType: JSON.stringify('ProductCreated'),
      schemaVersion: '1',
      occurredAt: JSON.stringify(new Date().toISOString()),
      aggregateId: JSON.stringify(String(productId)),
    },
  };
  SPOIL[kind](draft);
  draft.headers[POISON_TAG] = tag;
  const routingKey = `outbox.event.product.${shard}`;
  return { kind, tag, id: kind === 'missing-id' ? undefined : id, routingKey, headers: draft.headers, body: draft.body };
}

/** The record of a published poison message (without its body, which may be 1.5 MiB). */
export const recordOf = ({ kind, tag, id, routingKey }: PoisonMessage): PoisonRecord => ({ kind, tag, id, routingKey });
