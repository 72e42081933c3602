import type { Router } from 'express';
import type pg from 'pg';
import { idParams, notFound } from '@shop/shared/http';
import { getProduct } from './get-product.ts';
import { listProducts } from './list-products.ts';
import { listProductsQuery } from './schemas.ts';
import { featureRouter } from '@shop/shared/metrics';

export function productRoutes(pool: pg.Pool): Router {
  const router = featureRouter();

  router.get('/', async (req, res) => {
    res.json(await listProducts(pool, listProductsQuery.parse(req.query)));
  });

  router.get('/:id', async (req, res) => {
    const id = idParams.parse(req.params).id;
    const product = await getProduct(pool, id);
    if (!product) throw notFound(`product ${id}`);
    res.json(product);
  });

  return router;
}
