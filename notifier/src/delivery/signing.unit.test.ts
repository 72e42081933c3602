import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { signBody, verifySignature } from './signing.ts';

const secret = 'a-webhook-secret-of-32-characters';
const body = '{"eventId":"7f1c0c7e-2f5e-4d59-9d2a-0c4b1f3b8e11","type":"OrderPlaced"}';

describe('webhook signature', () => {
  it('is sha256= and the hex HMAC-SHA256 of the exact body bytes', () => {
    const expected = createHmac('sha256', secret).update(Buffer.from(body, 'utf8')).digest('hex');
    expect(signBody(body, secret)).toBe(`sha256=${expected}`);
    expect(signBody(Buffer.from(body, 'utf8'), secret)).toBe(`sha256=${expected}`);
  });

  it('verifies the body it signed', () => {
    expect(verifySignature(body, signBody(body, secret), secret)).toBe(true);
  });

  it('does not verify a changed body, another key, a forged or missing header', () => {
    const header = signBody(body, secret);
    expect(verifySignature(body.replace('OrderPlaced', 'OrderCancelled'), header, secret)).toBe(false);
    // The same JSON, re-serialised with other whitespace, is other bytes: receivers verify the raw body.
    expect(verifySignature(JSON.stringify(JSON.parse(body), null, 1), header, secret)).toBe(false);
    expect(verifySignature(body, header, 'another-secret-of-enough-length')).toBe(false);
    expect(verifySignature(body, signBody(body, 'forger-who-guessed-a-key!'), secret)).toBe(false);
    expect(verifySignature(body, undefined, secret)).toBe(false);
    expect(verifySignature(body, header.slice(0, -1), secret)).toBe(false);
    expect(verifySignature(body, header.toUpperCase(), secret)).toBe(false);
    expect(verifySignature(body, `sha1=${header.slice(7)}`, secret)).toBe(false);
  });
});
