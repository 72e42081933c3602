import type { Router } from 'express';
import { idParams, notFound } from '@shop/shared/http';
import { featureRouter } from '@shop/shared/metrics';
import { asOfQuery } from '../as-of/as-of-query.ts';
import { readAsOf, type EventLogDbs } from '../as-of/as-of.ts';
import { historyHandler } from '../events/routes.ts';
import { getProduct } from './get-product.ts';
import { listProducts } from './list-products.ts';
import { listProductsQuery } from './schemas.ts';

export function productRoutes(dbs: EventLogDbs): Router {
  const router = featureRouter();

  router.get('/', async (req, res) => {
    res.json(await listProducts(dbs.read, listProductsQuery.parse(req.query)));
  });

  router.get('/:id', async (req, res) => {
    const id = idParams.parse(req.params).id;
    const { asOf } = asOfQuery.parse(req.query);
    const product =
      asOf === undefined
        ? await getProduct(dbs.read, id)
        : await readAsOf(dbs, { aggregateType: 'product', aggregateId: id, asOf }, (client) => getProduct(client, id));
    if (!product) throw notFound(asOf === undefined ? `product ${id}` : `product ${id} as of ${asOf}`);
    res.json(product);
  });

  router.get('/:id/events', historyHandler(dbs, 'product'));

  return router;
}
