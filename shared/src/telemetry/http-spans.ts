import { context, propagation, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import type { Request, RequestHandler } from 'express';
import type { Tracing } from './tracing.ts';

/**
 * One SERVER span per request, continuing the caller's W3C trace (`traceparent` in the request)
 * and active while the request is handled, so what the handler writes (the outbox's span
 * context) belongs to it. Named after the route that matched (`POST /api/orders`), never the raw
 * URL, so span names stay few. Health checks and metric scrapes are not traced. When spans are
 * not recorded, a request without a `traceparent` has no context to pass on: it is left alone, so
 * it pays nothing for tracing (no span, no AsyncLocalStorage context).
 */
export function traceRequests({ tracer, recording }: Pick<Tracing, 'tracer' | 'recording'>): RequestHandler {
  return (req, res, next) => {
    // Probes and scrapes (every few seconds) would bury the traces of real requests.
    if (UNTRACED.has(req.path)) return next();
    if (!recording && req.headers.traceparent === undefined) return next();
    const parent = propagation.extract(context.active(), req.headers);
    const span = tracer.startSpan(
      `${req.method} ${req.path}`,
      { kind: SpanKind.SERVER, attributes: { 'http.request.method': req.method, 'url.path': req.path } },
      parent,
    );
    res.on('close', () => {
      const route = matchedRoute(req);
      if (route !== undefined) {
        span.updateName(`${req.method} ${route}`);
        span.setAttribute('http.route', route);
      }
      span.setAttribute('http.response.status_code', res.statusCode);
      if (res.statusCode >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
      span.end();
    });
    context.with(trace.setSpan(parent, span), next);
  };
}

const UNTRACED = new Set(['/health', '/metrics']);

/** The matched route's pattern with its router's mount path (`/api/orders/:id`), if a route matched. */
function matchedRoute(req: Request): string | undefined {
  const path = (req.route as { path?: unknown } | undefined)?.path;
  if (typeof path !== 'string') return undefined;
  return path === '/' && req.baseUrl !== '' ? req.baseUrl : `${req.baseUrl}${path}`;
}
