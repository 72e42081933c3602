import { isUtf8 } from 'node:buffer';
import type { IncomingMessage } from 'node:http';
import express, { type RequestHandler } from 'express';
import { AppError } from './errors.ts';

/**
 * Parses JSON request bodies of at most `limit`, refusing anything else before a handler runs:
 * another media type (415), several Content-Type headers (400), a charset other than UTF-8 (415),
 * bytes that are not UTF-8 (400), broken JSON (400), too much of it (413).
 */
export function jsonBody(limit: string): RequestHandler[] {
  return [requireJsonBody, express.json({ limit, strict: true, verify: requireUtf8 })];
}

/** POST/PATCH bodies must be JSON: anything else is refused before parsing (415). */
export const requireJsonBody: RequestHandler = (req, _res, next) => {
  if (headerCount(req, 'content-type') > 1) {
    // Node keeps the first and drops the rest; a proxy in front may pick another one.
    return next(new AppError(400, 'bad_request', 'more than one Content-Type header'));
  }
  // req.is() is null when the request has no body, false when it has one of another type;
  // an empty body (Content-Length: 0, as fetch sends for a bare POST) is no body.
  const empty = req.headers['content-length'] === '0';
  if (req.method !== 'GET' && !empty && req.is('application/json') === false) {
    return next(new AppError(415, 'unsupported_media_type', 'request body must be application/json'));
  }
  next();
};

function headerCount(req: IncomingMessage, name: string): number {
  return req.rawHeaders.filter((value, i) => i % 2 === 0 && value.toLowerCase() === name).length;
}

/**
 * JSON is UTF-8 (RFC 8259). Without this, a UTF-16 body would be decoded as UTF-16 and invalid
 * bytes (overlong forms, lone surrogates, 0xFF) would be stored as U+FFFD instead of refused.
 */
function requireUtf8(_req: IncomingMessage, _res: unknown, body: Buffer, encoding: string): void {
  if (encoding !== 'utf-8') throw new AppError(415, 'unsupported_media_type', 'request body must be UTF-8');
  if (!isUtf8(body)) throw new AppError(400, 'malformed_json', 'request body is not valid UTF-8');
}
