import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { createRequire } from 'node:module';
import express, { type Router } from 'express';
import { z } from 'zod';
import { jsonBody, AppError } from '@shop/shared/http';
import { OPERATION_KINDS, OperationAlreadyActive, recordOperation } from '@shop/shared/operations';
import type pg from 'pg';
import { checkAdmin } from './admin-guard.ts';
import type { DeadLetterQueue } from './dead-letters.ts';
import { TooManySubscribers, type LiveView } from './live-view.ts';

export interface ConsoleDeps {
  live: LiveView;
  /** Listing and re-drive, one at a time (dead-letters.ts). */
  deadLetters: DeadLetterQueue;
  adminToken: string | undefined;
  /** The read database, where operations (rebuild, reconcile) are requested for a projector to run. */
  read: pg.Pool;
}

const pageDir = fileURLToPath(new URL('../../console', import.meta.url));
const uplotDir = dirname(createRequire(import.meta.url).resolve('uplot/dist/uPlot.iife.min.js'));

/** Only our own files: no CDN, no inline script, nothing framed elsewhere. */
const CSP =
  "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; connect-src 'self'; frame-ancestors 'none'; form-action 'none'";

const redriveBody = z
  .strictObject({ ids: z.array(z.string().min(1)).min(1).max(1_000).optional(), all: z.literal(true).optional() })
  .refine((b) => (b.ids === undefined) !== (b.all === undefined), 'send either ids or all: true');

const operationBody = z.strictObject({ kind: z.enum(OPERATION_KINDS) });

/**
 * The operator console: the page and its assets (served by us, nothing from a CDN), a snapshot
 * and a live stream of the pipeline (server-sent events), and, with the admin token
 * (admin-guard.ts), the dead letters (they carry the events' bodies), their re-drive, rebuild and
 * reconcile.
 */
export function consoleRoutes(deps: ConsoleDeps): Router {
  const router = express.Router();
  router.use((_req, res, next) => {
    res.set('Content-Security-Policy', CSP).set('X-Content-Type-Options', 'nosniff').set('Referrer-Policy', 'no-referrer');
    next();
  });
  router.get('/', (_req, res) => res.set('Cache-Control', 'no-cache').sendFile(join(pageDir, 'index.html')));
  router.use('/assets', express.static(pageDir, { index: false, fallthrough: true }));
  router.use('/assets/uplot', express.static(uplotDir, { index: false }));

  // The newest snapshot as the live view serialised it, once for every console.
  router.get('/api/snapshot', async (_req, res) => {
    res
      .set('Cache-Control', 'no-store')
      .type('json')
      .send(await deps.live.snapshot());
  });

  router.get('/api/stream', (req, res) => {
    let unsubscribe: () => void;
    try {
      unsubscribe = deps.live.subscribe((event) => res.write(event));
    } catch (err) {
      if (err instanceof TooManySubscribers) throw new AppError(503, 'service_unavailable', err.message);
      throw err;
    }
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store', connection: 'keep-alive' });
    res.write('retry: 2000\n\n');
    req.on('close', unsubscribe);
  });

  router.get('/api/dead-letters', async (req, res) => {
    checkAdmin(adminRequest(req), deps.adminToken);
    res.set('Cache-Control', 'no-store').json(await deps.deadLetters.list());
  });

  router.post('/api/dead-letters/redrive', ...jsonBody('64kb'), async (req, res) => {
    checkAdmin(adminRequest(req), deps.adminToken);
    const body = redriveBody.parse(req.body);
    const ids = new Set(body.ids ?? []);
    res.json(await deps.deadLetters.redrive((letter) => body.all === true || ids.has(letter.eventId ?? '')));
  });

  // A projector claims the operation within OPERATIONS_POLL_MS and reports its progress, which
  // the snapshot shows (`operations`).
  router.post('/api/operations', ...jsonBody('1kb'), async (req, res) => {
    checkAdmin(adminRequest(req), deps.adminToken);
    const { kind } = operationBody.parse(req.body);
    try {
      const operation = await recordOperation(deps.read, { kind, requestedBy: 'console' });
      res.status(202).json(operation);
    } catch (err) {
      if (!(err instanceof OperationAlreadyActive)) throw err;
      throw new AppError(409, 'operation_already_active', err.message, { operation: err.active });
    }
  });
  return router;
}

const adminRequest = (req: express.Request) => ({
  authorization: req.headers.authorization,
  origin: req.headers.origin,
  host: req.headers.host,
  secFetchSite: req.get('sec-fetch-site'),
});
