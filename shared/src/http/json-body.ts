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

/**
 * Every POST must say `Content-Type: application/json`, with a body or without one (the cancel
 * has none), and any other body must be JSON too (415 otherwise). A page of another site can send
 * a form, a text/plain body or no body at all without a CORS preflight, but not this type: were a
 * bare POST accepted, any web page could cancel orders, whose ids are sequential.
 */
export const requireJsonBody: RequestHandler = (req, _res, next) => {
  if (headerCount(req, 'content-type') > 1) {
    // Node keeps the first and drops the rest; a proxy in front may pick another one.
    return next(new AppError(400, 'bad_request', 'more than one Content-Type header'));
  }
  const mustBeJson = req.method === 'POST' || (req.method !== 'GET' && hasBody(req));
  if (mustBeJson && !isJson(req.headers['content-type'])) {
    return next(new AppError(415, 'unsupported_media_type', 'request body must be application/json'));
  }
  next();
};

/** An empty body (Content-Length: 0, as fetch sends for a bare PATCH) is no body. */
const hasBody = (req: IncomingMessage) =>
  req.headers['transfer-encoding'] !== undefined || (req.headers['content-length'] ?? '0') !== '0';

/** The media type alone, parameters (charset) aside: those are checked by the parser. */
const isJson = (contentType: string | undefined) => contentType?.split(';')[0]?.trim().toLowerCase() === 'application/json';

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
