import type pg from 'pg';
import { centsToNumeric } from '@shop/shared/money';
import { noteWritten, outboxParameters, type NewEvent } from '../outbox/append-event.ts';
import type { PricedLine } from './price-order.ts';

export interface PlacedOrderWrite {
  orderId: number;
  customerId: number;
  totalCents: number;
  placedAt: Date;
  lines: PricedLine[];
  events: NewEvent[];
}

/** Exported for the benchmark, which runs the very same statements through pgbench. */
export const WRITE_PLACED_ORDER_SQL = /* sql */ `WITH stock AS (
                 UPDATE products p SET stock = p.stock - l.quantity, updated_at = now()
                   FROM unnest($1::int[], $2::int[]) AS l(product_id, quantity)
                  WHERE p.id = l.product_id
               ), placed AS (
                 INSERT INTO orders (id, customer_id, status, total, placed_at)
                 VALUES ($3::int, $4::int, 'placed', $5::numeric, $6::timestamptz)
               ), order_lines AS (
                 INSERT INTO order_items (order_id, product_id, category, quantity, unit_price, line_total)
                 SELECT $3::int, l.product_id, l.category, l.quantity, l.unit_cents / 100.0, l.line_cents / 100.0
                   FROM unnest($1::int[], $7::text[], $2::int[], $8::bigint[], $9::bigint[])
                     AS l(product_id, category, quantity, unit_cents, line_cents)
               )
               INSERT INTO outbox (id, aggregatetype, aggregateid, type, payload, schema_version, tracingspancontext)
               SELECT e.id, e.aggregatetype, e.aggregateid, e.type, e.payload, e.schema_version, $16::text
                 FROM unnest($10::uuid[], $11::text[], $12::text[], $13::text[], $14::jsonb[], $15::int[])
                      WITH ORDINALITY AS e(id, aggregatetype, aggregateid, type, payload, schema_version, n)
                ORDER BY e.n`;

/**
 * Every write of a placed order in one statement (one round trip, inside the caller's
 * transaction and after its locking read): the stock taken, the order, its lines and its outbox
 * events. Round trips to the database were what limited the order rate (docs/benchmarks.md).
 * Named: parsed and planned once per connection (see lockProductsForOrder).
 */
export async function writePlacedOrder(client: pg.PoolClient, order: PlacedOrderWrite): Promise<void> {
  const [eventIds, aggregateTypes, aggregateIds, types, payloads, versions, spanContext] = outboxParameters(order.events);
  const lines = order.lines;
  await client.query({
    name: 'write-placed-order',
    text: WRITE_PLACED_ORDER_SQL,
    values: [
      lines.map((l) => l.productId),
      lines.map((l) => l.quantity),
      order.orderId,
      order.customerId,
      centsToNumeric(order.totalCents),
      order.placedAt,
      lines.map((l) => l.category),
      lines.map((l) => l.unitPriceCents),
      lines.map((l) => l.lineTotalCents),
      eventIds,
      aggregateTypes,
      aggregateIds,
      types,
      payloads,
      versions,
      spanContext,
    ],
  });
  noteWritten(client, eventIds);
}
