import type { Router } from 'express';
import { idParams } from '@shop/shared/http';
import { executeCommand, type CommandStore } from '../idempotency/execute-command.ts';
import { idempotencyOf, sendResponse } from '../idempotency/http.ts';
import { cancelOrder } from './cancel-order.ts';
import { placeOrder } from './place-order.ts';
import { placeOrderBody } from './schemas.ts';
import { featureRouter } from '@shop/shared/metrics';

export function orderRoutes(store: CommandStore, shopCurrency: string): Router {
  const router = featureRouter();

  router.post('/', async (req, res) => {
    const input = placeOrderBody.parse(req.body);
    sendResponse(res, await executeCommand(store, idempotencyOf(req), 201, (tx) => placeOrder(tx, input, shopCurrency)));
  });

  router.post('/:id/cancel', async (req, res) => {
    const { id } = idParams.parse(req.params);
    sendResponse(res, await executeCommand(store, idempotencyOf(req), 200, (tx) => cancelOrder(tx, id)));
  });

  return router;
}
