import type pg from 'pg';
import type { InboxState } from './inbox.ts';

/** One notification of an order, as GET /api/notifications answers it (docs/contract.md). */
export interface OrderNotification {
  eventId: string;
  type: string;
  position: number | null;
  state: Exclude<InboxState, 'skipped'>;
  attempts: number;
  lastError: string | null;
  settledAt: string;
  /** The document as sent (or, without a webhook, as it would be). */
  notification: unknown;
}

export async function notificationsOfOrder(pool: pg.Pool, orderId: number): Promise<OrderNotification[]> {
  const { rows } = await pool.query<{
    id: string;
    event_type: string;
    position: string | null;
    state: Exclude<InboxState, 'skipped'>;
    attempts: number;
    last_error: string | null;
    settled_at: Date;
    body: string;
  }>(
    /* sql */ `SELECT event_id::text AS id, event_type, position::text, state, attempts, last_error, settled_at, body
                 FROM notifier.inbox
                WHERE order_id = $1::bigint AND body IS NOT NULL
                ORDER BY position, event_id`,
    [orderId],
  );
  return rows.map((r) => ({
    eventId: r.id,
    type: r.event_type,
    position: r.position === null ? null : Number(r.position),
    state: r.state,
    attempts: r.attempts,
    lastError: r.last_error,
    settledAt: r.settled_at.toISOString(),
    notification: JSON.parse(r.body) as unknown,
  }));
}

/** A parked notification, as the re-drive lists and sends it. */
export interface ParkedNotification {
  eventId: string;
  type: string;
  orderId: number | null;
  position: number | null;
  attempts: number;
  lastError: string | null;
  body: string;
  settledAt: Date;
}

export async function parkedNotifications(pool: pg.Pool, eventId?: string): Promise<ParkedNotification[]> {
  const { rows } = await pool.query<{
    id: string;
    event_type: string;
    order_id: string | null;
    position: string | null;
    attempts: number;
    last_error: string | null;
    body: string;
    settled_at: Date;
  }>(
    /* sql */ `SELECT event_id::text AS id, event_type, order_id::text, position::text, attempts, last_error, body, settled_at
                 FROM notifier.inbox
                WHERE state = 'parked' AND body IS NOT NULL AND ($1::uuid IS NULL OR event_id = $1::uuid)
                ORDER BY position, event_id`,
    [eventId ?? null],
  );
  return rows.map((r) => ({
    eventId: r.id,
    type: r.event_type,
    orderId: r.order_id === null ? null : Number(r.order_id),
    position: r.position === null ? null : Number(r.position),
    attempts: r.attempts,
    lastError: r.last_error,
    body: r.body,
    settledAt: r.settled_at,
  }));
}

/** After a re-drive's attempts: delivered (2xx) or still parked with the new reason. Only a parked row changes. */
export async function recordRedrive(
  pool: pg.Pool,
  eventId: string,
  outcome: { delivered: boolean; attempts: number; lastError: string | null },
): Promise<boolean> {
  const { rowCount } = await pool.query(
    /* sql */ `UPDATE notifier.inbox
                  SET state = CASE WHEN $2::boolean THEN 'delivered' ELSE 'parked' END,
                      attempts = attempts + $3::int, last_error = $4, redriven_at = now(), settled_at = now()
                WHERE event_id = $1::uuid AND state = 'parked'`,
    [eventId, outcome.delivered, outcome.attempts, outcome.lastError],
  );
  return (rowCount ?? 0) > 0;
}
