import { z } from 'zod';
import { docsRouter as serveDocs, errorResponse, jsonContent, openApiDocument } from '@shop/shared/openapi';
import { placeOrderBody } from '../orders/schemas.ts';
import { createProductBody, updateProductBody } from '../products/schemas.ts';

export const productIdResponse = z.object({ productId: z.number().int() }).meta({ id: 'ProductId' });
export const orderIdResponse = z.object({ orderId: z.number().int() }).meta({ id: 'OrderId' });
export const cancelledResponse = z
  .object({ orderId: z.number().int(), status: z.literal('cancelled') })
  .meta({ id: 'OrderCancelled' });

const id = z.object({
  id: z
    .string()
    .regex(/^[1-9][0-9]{0,9}$/)
    .meta({ description: 'positive 32-bit integer' }),
});
const idempotencyKey = z.object({
  'idempotency-key': z
    .string()
    .min(1)
    .max(200)
    .optional()
    .meta({ description: 'a retry with the same key and request returns the first response' }),
});
const json = (schema: z.ZodType) => ({ content: { 'application/json': { schema } } });
/** A command's success answer, with the token of the events it wrote (read-your-writes). */
const written = (schema: z.ZodType, description: string) => ({
  ...jsonContent(schema, description),
  headers: z.object({
    'consistency-token': z.string().optional().meta({
      description:
        'names the events this command wrote; send it back to the query API in a Consistency-Token header to read this write (docs/contract.md)',
    }),
  }),
});
const refusals = {
  '400': errorResponse('validation_failed (with fields) or malformed_json'),
  '413': errorResponse('payload_too_large'),
  '415': errorResponse('unsupported_media_type'),
};

export const commandApiDocument = openApiDocument(
  'Command API',
  'Writes products and orders; every change and its events commit together.',
  {
    '/health': {
      get: {
        responses: {
          '200': jsonContent(z.object({ status: z.literal('ok') }), 'the write database answers'),
          '503': errorResponse('the write database does not answer'),
        },
      },
    },
    '/api/products': {
      post: {
        requestParams: { header: idempotencyKey },
        requestBody: json(createProductBody),
        responses: {
          '201': written(productIdResponse, 'created'),
          ...refusals,
          '422': errorResponse('idempotency_key_reused'),
        },
      },
    },
    '/api/products/{id}': {
      patch: {
        requestParams: { path: id },
        requestBody: json(updateProductBody),
        responses: { '200': written(productIdResponse, 'updated'), ...refusals, '404': errorResponse('not_found') },
      },
    },
    '/api/orders': {
      post: {
        requestParams: { header: idempotencyKey },
        requestBody: json(placeOrderBody),
        responses: {
          '201': written(orderIdResponse, 'placed'),
          ...refusals,
          '409': errorResponse('insufficient_stock (shortages) or price_mismatch (currentPrice)'),
          '422': errorResponse('unknown_product (productIds) or idempotency_key_reused'),
        },
      },
    },
    '/api/orders/{id}/cancel': {
      post: {
        requestParams: { path: id, header: idempotencyKey },
        responses: {
          '200': written(cancelledResponse, 'cancelled'),
          '400': errorResponse('validation_failed'),
          '404': errorResponse('not_found'),
          '409': errorResponse('already_cancelled'),
          '415': errorResponse('unsupported_media_type: every POST says Content-Type: application/json, this bodyless one too'),
        },
      },
    },
  },
);

export const docsRouter = () => serveDocs(commandApiDocument);
