import type { ErrorRequestHandler, RequestHandler } from 'express';
import { z } from 'zod';
import { isPoolExhausted } from '../db/pool.ts';
import type { Logger } from '../log.ts';

export type ErrorCode =
  | 'validation_failed'
  | 'bad_request'
  | 'request_aborted'
  | 'malformed_json'
  | 'payload_too_large'
  | 'unsupported_media_type'
  | 'not_found'
  | 'insufficient_stock'
  | 'price_mismatch'
  | 'already_cancelled'
  | 'unknown_product'
  | 'idempotency_key_reused'
  | 'unauthorized'
  | 'forbidden'
  | 'console_read_only'
  | 'cross_site_request'
  | 'operation_already_active'
  | 'invalid_consistency_token'
  | 'not_yet_consistent'
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
    if (appError.status === 503) {
      // Overload is not a fault: a warning without the stack, and a hint to retry shortly.
      log.warn({ error: appError.message }, 'request refused: service unavailable');
      res.set('Retry-After', '1');
    } else if (appError.status >= 500) log.error({ err }, 'request failed');
    res.status(appError.status).json(errorBody(appError));
  };
}

/**
 * Errors of the layers before our handlers (body-parser, raw-body, the router), by their `type`.
 * They all carry a 4xx `status`: the client sent something unreadable, or went away.
 */
const CLIENT_ERRORS: Record<string, [number, ErrorCode, string]> = {
  'entity.parse.failed': [400, 'malformed_json', 'request body is not valid JSON'],
  'entity.too.large': [413, 'payload_too_large', 'request body is too large'],
  'encoding.unsupported': [415, 'unsupported_media_type', 'unsupported body encoding'],
  'charset.unsupported': [415, 'unsupported_media_type', 'unsupported body encoding'],
  'request.size.invalid': [400, 'bad_request', 'request body length does not match Content-Length'],
  // The body never completed: the client closed, or the server's request timeout cut it off.
  'request.aborted': [400, 'request_aborted', 'the request ended before its body was complete'],
};

function toAppError(err: unknown): AppError {
  if (err instanceof AppError) return err;
  if (err instanceof z.ZodError) return validationError(err);
  if (isPoolExhausted(err)) return new AppError(503, 'service_unavailable', 'the database has no free connection: try again');
  const { type, status } = (err ?? {}) as { type?: unknown; status?: unknown };
  const known = typeof type === 'string' ? CLIENT_ERRORS[type] : undefined;
  if (known) return new AppError(...known);
  // Any other client error those layers raise: a path that is not valid percent-encoded UTF-8
  // (the router), a body that is not the gzip its Content-Encoding claims (zlib via body-parser).
  if (typeof status === 'number' && status >= 400 && status < 500) {
    return new AppError(status, 'bad_request', 'the request could not be read');
  }
  return new AppError(500, 'internal_error', 'internal error', {}, { cause: err });
}
