import type { Router } from 'express';
import type pg from 'pg';
import { idParams, notFound } from '@shop/shared/http';
import { featureRouter } from '@shop/shared/metrics';
import { getOrder } from './get-order.ts';

export function orderRoutes(pool: pg.Pool): Router {
  const router = featureRouter();
  router.get('/:id', async (req, res) => {
    const { id } = idParams.parse(req.params);
    const order = await getOrder(pool, id);
    if (!order) throw notFound(`order ${id}`);
    res.json(order);
  });
  return router;
}
