import type { ErrorRequestHandler, RequestHandler } from 'express';
import { z } from 'zod';
import type { Logger } from '../log.ts';

export type ErrorCode =
  | 'validation_failed'
  | 'malformed_json'
  | 'payload_too_large'
  | 'unsupported_media_type'
  | 'not_found'
  | 'insufficient_stock'
  | 'price_mismatch'
  | 'already_cancelled'
  | 'unknown_product'
  | 'idempotency_key_reused'
  | 'service_unavailable'
  | 'internal_error';

/** The one error type the HTTP layer renders; `details` are merged into the JSON body. */
export class AppError extends Error {
  constructor(
    readonly status: number,
    readonly code: ErrorCode,
    message: string,
    readonly details: Record<string, unknown> = {},
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'AppError';
  }
}

export const notFound = (what: string) => new AppError(404, 'not_found', `${what} not found`);

export function validationError(error: z.ZodError): AppError {
  const fields = error.issues.flatMap((issue) =>
    issue.code === 'unrecognized_keys'
      ? issue.keys.map((key) => ({ field: [...issue.path, key].join('.'), message: 'unknown field' }))
      : [{ field: issue.path.join('.') || '(body)', message: issue.message }],
  );
  return new AppError(400, 'validation_failed', 'request failed validation', { fields });
}

export const unknownRoute: RequestHandler = (req, _res, next) => next(notFound(`route ${req.method} ${req.path}`));

/** The contract's error body: `{error, message, ...details}`. */
export const errorBody = (error: AppError) => ({ error: error.code, message: error.message, ...error.details });

/** Maps every error to the contract's body `{error, message, ...details}`; never leaks a stack. */
export function errorHandler(log: Logger): ErrorRequestHandler {
  return (err: unknown, _req, res, _next) => {
    const appError = toAppError(err);
    if (appError.status >= 500) log.error({ err }, 'request failed');
    res.status(appError.status).json(errorBody(appError));
  };
}

function toAppError(err: unknown): AppError {
  if (err instanceof AppError) return err;
  if (err instanceof z.ZodError) return validationError(err);
  const type = (err as { type?: string } | null)?.type;
  if (type === 'entity.parse.failed') return new AppError(400, 'malformed_json', 'request body is not valid JSON');
  if (type === 'entity.too.large') return new AppError(413, 'payload_too_large', 'request body is too large');
  if (type === 'encoding.unsupported' || type === 'charset.unsupported') {
    return new AppError(415, 'unsupported_media_type', 'unsupported body encoding');
  }
  return new AppError(500, 'internal_error', 'internal error', {}, { cause: err });
}

/** POST/PATCH bodies must be JSON: anything else is refused before parsing (415). */
export const requireJsonBody: RequestHandler = (req, _res, next) => {
  // req.is() is null when the request has no body, false when it has one of another type;
  // an empty body (Content-Length: 0, as fetch sends for a bare POST) is no body.
  const empty = req.headers['content-length'] === '0';
  if (req.method !== 'GET' && !empty && req.is('application/json') === false) {
    return next(new AppError(415, 'unsupported_media_type', 'request body must be application/json'));
  }
  next();
};
