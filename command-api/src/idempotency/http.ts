import type { Request, Response } from 'express';
import { AppError } from '@shop/shared/http';
import { fingerprintOf, type CommandResponse, type IdempotencyRequest } from './execute-command.ts';

const KEY_PATTERN = /^[\x21-\x7e]{1,200}$/;

/** The request's `Idempotency-Key` (1–200 visible ASCII characters), if it sent one. */
export function idempotencyOf(req: Request): IdempotencyRequest | undefined {
  const key = req.get('idempotency-key');
  if (key === undefined) return undefined;
  if (!KEY_PATTERN.test(key)) {
    throw new AppError(400, 'validation_failed', 'request failed validation', {
      fields: [{ field: 'Idempotency-Key', message: 'must be 1 to 200 visible ASCII characters' }],
    });
  }
  return { key, fingerprint: fingerprintOf(req.method, req.originalUrl, req.body) };
}

export function sendResponse(res: Response, response: CommandResponse): void {
  if (response.replayed) res.set('Idempotent-Replayed', 'true');
  if (response.consistencyToken) res.set('Consistency-Token', response.consistencyToken);
  res.status(response.status).json(response.body);
}
