import type { Webhook } from '../config.ts';
import type { AttemptResult } from './retry-policy.ts';
import { SIGNATURE_HEADER, signBody } from './signing.ts';

/**
 * One POST of a notification: the body as given (the signed bytes), its signature, the event id
 * as Idempotency-Key (the receiver's key to drop a repeat). Never throws: every failure is an
 * AttemptResult. The answer's body is not read, only released.
 */
export async function postNotification(
  webhook: Webhook,
  eventId: string,
  body: string,
  timeoutMs: number,
): Promise<AttemptResult> {
  const bytes = Buffer.from(body, 'utf8');
  try {
    const res = await fetch(webhook.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'user-agent': 'shop-notifier',
        [SIGNATURE_HEADER]: signBody(bytes, webhook.secret),
        'Idempotency-Key': eventId,
      },
      body: bytes,
      redirect: 'manual',
      signal: AbortSignal.timeout(timeoutMs),
    });
    await res.body?.cancel().catch(() => undefined);
    return { kind: 'answered', status: res.status, retryAfter: res.headers.get('retry-after') };
  } catch (err) {
    if (err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError'))
      return { kind: 'timeout', afterMs: timeoutMs };
    const cause = (err as { cause?: { code?: string; message?: string } }).cause;
    return { kind: 'network', error: cause?.code ?? cause?.message ?? (err instanceof Error ? err.message : String(err)) };
  }
}
