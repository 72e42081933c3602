import { Router } from 'express';
import type pg from 'pg';
import { createProduct } from './create-product.ts';
import { idParams } from '@shop/shared/http';
import { createProductBody, updateProductBody } from './schemas.ts';
import { updateProduct } from './update-product.ts';

export function productRoutes(pool: pg.Pool): Router {
  const router = Router();

  router.post('/', async (req, res) => {
    const productId = await createProduct(pool, createProductBody.parse(req.body));
    res.status(201).json({ productId });
  });

  router.patch('/:id', async (req, res) => {
    const productId = idParams.parse(req.params).id;
    await updateProduct(pool, productId, updateProductBody.parse(req.body));
    res.json({ productId });
  });

  return router;
}
