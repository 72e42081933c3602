import type { Router } from 'express';
import { idParams, notFound } from '@shop/shared/http';
import { featureRouter } from '@shop/shared/metrics';
import { asOfQuery } from '../as-of/as-of-query.ts';
import { readAsOf, type EventLogDbs } from '../as-of/as-of.ts';
import { historyHandler } from '../events/routes.ts';
import { getOrder } from './get-order.ts';

export function orderRoutes(dbs: EventLogDbs): Router {
  const router = featureRouter();
  router.get('/:id', async (req, res) => {
    const { id } = idParams.parse(req.params);
    const { asOf } = asOfQuery.parse(req.query);
    const order =
      asOf === undefined
        ? await getOrder(dbs.read, id)
        : await readAsOf(dbs, { aggregateType: 'order', aggregateId: id, asOf }, (client) => getOrder(client, id));
    if (!order) throw notFound(asOf === undefined ? `order ${id}` : `order ${id} as of ${asOf}`);
    res.json(order);
  });
  router.get('/:id/events', historyHandler(dbs, 'order'));
  return router;
}
