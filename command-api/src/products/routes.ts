import type { Router } from 'express';
import { idParams } from '@shop/shared/http';
import { executeCommand, type CommandStore } from '../idempotency/execute-command.ts';
import { idempotencyOf, sendResponse } from '../idempotency/http.ts';
import { createProduct } from './create-product.ts';
import { createProductBody, updateProductBody } from './schemas.ts';
import { updateProduct } from './update-product.ts';
import { featureRouter } from '@shop/shared/metrics';

export function productRoutes(store: CommandStore): Router {
  const router = featureRouter();

  router.post('/', async (req, res) => {
    const input = createProductBody.parse(req.body);
    sendResponse(res, await executeCommand(store, idempotencyOf(req), 201, (tx) => createProduct(tx, input)));
  });

  router.patch('/:id', async (req, res) => {
    const { id } = idParams.parse(req.params);
    const input = updateProductBody.parse(req.body);
    sendResponse(res, await executeCommand(store, undefined, 200, (tx) => updateProduct(tx, id, input)));
  });

  return router;
}
