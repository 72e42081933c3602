import type { Request, RequestHandler, Response, Router } from 'express';
import { Router as createRouter } from 'express';
import { collectDefaultMetrics, Counter, Histogram, Registry } from 'prom-client';

export interface HttpMetrics {
  registry: Registry;
  /** Counts and times every request by method, route pattern and status. */
  middleware: RequestHandler;
  /** `GET /metrics` in the Prometheus text format. */
  router: Router;
}

/**
 * A router for one feature (mounted with `app.use('/api/x', router)`). It notes its mount path for
 * the metrics, because Express has already reset `req.baseUrl` when an error leaves the router.
 */
export function featureRouter(): Router {
  const router = createRouter();
  router.use((req, res, next) => {
    res.locals.mountPath = req.baseUrl;
    next();
  });
  return router;
}

/** The route pattern, not the raw path, so ids do not blow up label cardinality. */
function routeOf(req: Request, res: Response): string {
  const pattern = req.route?.path as string | undefined;
  if (pattern === undefined) return 'unmatched';
  const mount = (res.locals.mountPath as string | undefined) ?? req.baseUrl;
  return `${mount}${pattern === '/' ? '' : pattern}` || '/';
}

export function createHttpMetrics(service: string): HttpMetrics {
  const registry = new Registry();
  registry.setDefaultLabels({ service });
  collectDefaultMetrics({ register: registry });
  const labelNames = ['method', 'route', 'status'] as const;
  const requests = new Counter({ name: 'http_requests_total', help: 'HTTP requests', labelNames, registers: [registry] });
  const duration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'HTTP request latency',
    labelNames,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [registry],
  });

  const middleware: RequestHandler = (req, res, next) => {
    const stop = duration.startTimer();
    res.on('finish', () => {
      const labels = { method: req.method, route: routeOf(req, res), status: String(res.statusCode) };
      requests.inc(labels);
      stop(labels);
    });
    next();
  };

  const router = createRouter();
  router.get('/metrics', async (_req, res) => {
    res.type(registry.contentType).send(await registry.metrics());
  });
  return { registry, middleware, router };
}
