import { setTimeout as sleep } from 'node:timers/promises';
import type pg from 'pg';
import type { Webhook } from '../config.ts';
import { attemptDelivery } from '../delivery/attempts.ts';
import type { BackoffSettings } from '../delivery/retry-policy.ts';
import { postNotification } from '../delivery/webhook.ts';
import { parkedNotifications, recordRedrive } from '../inbox/notifications.ts';

export interface RedriveSettings {
  webhook: Webhook;
  maxAttempts: number;
  backoff: BackoffSettings;
  timeoutMs: number;
}

export interface RedriveResult {
  eventId: string;
  delivered: boolean;
  attempts: number;
  lastError: string | null;
}

/** No parked notification with that id (or none at all). */
export class NothingParkedError extends Error {
  constructor(eventId?: string) {
    super(eventId ? `no parked notification with event id ${eventId}` : 'no parked notification');
    this.name = 'NothingParkedError';
  }
}

/**
 * Sends parked notifications again, oldest position first, each with the same bytes, signature
 * and Idempotency-Key as before and the same retry policy (without the receiver's pause: an
 * operator watches). A 2xx turns the row delivered; otherwise it stays parked with the new reason.
 * Only a parked row changes, so a re-drive never records a second delivery.
 */
export async function redrive(pool: pg.Pool, settings: RedriveSettings, eventId?: string): Promise<RedriveResult[]> {
  const parked = await parkedNotifications(pool, eventId);
  if (parked.length === 0) throw new NothingParkedError(eventId);
  const results: RedriveResult[] = [];
  for (const n of parked) {
    const outcome = await attemptDelivery({
      send: () => postNotification(settings.webhook, n.eventId, n.body, settings.timeoutMs),
      maxAttempts: settings.maxAttempts,
      backoff: settings.backoff,
      sleep: (ms) => sleep(ms),
      random: Math.random,
    });
    const delivered = outcome.kind === 'delivered';
    const lastError = delivered ? outcome.lastError : outcome.reason;
    await recordRedrive(pool, n.eventId, { delivered, attempts: outcome.attempts, lastError });
    results.push({ eventId: n.eventId, delivered, attempts: outcome.attempts, lastError });
  }
  return results;
}
