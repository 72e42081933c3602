import { createHmac, timingSafeEqual } from 'node:crypto';

/** The header that carries the body's signature (GitHub's name and format, which receivers know). */
export const SIGNATURE_HEADER = 'X-Signature-256';
const PREFIX = 'sha256=';

/** `sha256=<hex HMAC-SHA256 of the exact body bytes>`, keyed by NOTIFIER_WEBHOOK_SECRET. */
export function signBody(body: Buffer | string, secret: string): string {
  return PREFIX + createHmac('sha256', secret).update(body).digest('hex');
}

/**
 * What a receiver does (notifier/README.md): recompute the signature over the bytes it received,
 * before parsing them, and compare in constant time; a missing, malformed or different header is
 * false. The test receiver uses it, so the documented check is the tested one.
 */
export function verifySignature(body: Buffer | string, header: string | undefined, secret: string): boolean {
  if (typeof header !== 'string' || !/^sha256=[0-9a-f]{64}$/.test(header)) return false;
  const expected = Buffer.from(signBody(body, secret), 'utf8');
  const given = Buffer.from(header, 'utf8');
  return expected.length === given.length && timingSafeEqual(expected, given);
}
