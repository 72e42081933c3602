import express, { type Router } from 'express';
import type pg from 'pg';
import type { EventReader } from '@shop/shared/events';
import { analyticsRoutes } from './analytics/routes.ts';
import { readYourWrites, type ReadYourWrites } from './consistency/read-your-writes.ts';
import { orderRoutes } from './orders/routes.ts';
import { productRoutes } from './products/routes.ts';

/** What the read API needs: the read models, and what read-your-writes waits with. */
export interface ReadApiDeps {
  /** The read database (its role may only read, and make temporary tables for time travel). */
  read: pg.Pool;
  /** The write database, read-only: the event log (outbox_history) for histories and time travel. */
  write: pg.Pool;
  /** How the event log is read for time travel: as the projector reads it (the shop's currency). */
  reader: EventReader;
  /** Read-your-writes with a Consistency-Token (absent in tests of the API alone: the header is then ignored). */
  consistency?: Omit<ReadYourWrites, 'read'>;
}

/** Read answers may be a second old; clients revalidate with the ETag express sets. */
const shortCache: express.RequestHandler = (_req, res, next) => {
  res.set('Cache-Control', 'public, max-age=1');
  next();
};

/**
 * The read API, mounted at /api: products, orders and analytics from the read models, the
 * history of an order or a product and either as it was at a moment (from the event log), each
 * request first waiting for the write its Consistency-Token names (read-your-writes.ts).
 */
export function readApiRoutes({ read, write, reader, consistency }: ReadApiDeps): Router {
  const router = express.Router();
  if (consistency) router.use(readYourWrites({ ...consistency, read }));
  router.use(shortCache);
  router.use('/products', productRoutes({ read, write, reader }));
  router.use('/orders', orderRoutes({ read, write, reader }));
  router.use('/analytics', analyticsRoutes(read));
  return router;
}
