import type { Router } from 'express';
import type pg from 'pg';
import { z } from 'zod';
import { idParams, notFound } from '@shop/shared/http';
import { getProduct } from './get-product.ts';
import { listProducts } from './list-products.ts';
import { featureRouter } from '@shop/shared/metrics';

const listQuery = z.object({
  category: z.string().min(1).max(100).optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  offset: z.coerce.number().int().min(0).max(1_000_000_000).default(0),
});

export function productRoutes(pool: pg.Pool): Router {
  const router = featureRouter();

  router.get('/', async (req, res) => {
    res.json(await listProducts(pool, listQuery.parse(req.query)));
  });

  router.get('/:id', async (req, res) => {
    const id = idParams.parse(req.params).id;
    const product = await getProduct(pool, id);
    if (!product) throw notFound(`product ${id}`);
    res.json(product);
  });

  return router;
}
