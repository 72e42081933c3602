import { z } from 'zod';
import { docsRouter as serveDocs, errorResponse, jsonContent, openApiDocument } from '@shop/shared/openapi';
import {
  categoryParams,
  categoryRevenueSchema,
  customerValueSchema,
  hourlySalesQuery,
  hourlySalesSchema,
  productSalesSchema,
} from '../analytics/schemas.ts';
import { syncStatusSchema } from '../lag/schemas.ts';
import { orderSchema } from '../orders/schemas.ts';
import { listProductsQuery, productSchema } from '../products/schemas.ts';

const id = z.object({
  id: z
    .string()
    .regex(/^[1-9][0-9]{0,9}$/)
    .meta({ description: 'positive 32-bit integer' }),
});
const bad = errorResponse('malformed id, date or paging parameter');
const health = jsonContent(z.object({ status: z.literal('ok') }), 'the read database answers');

export const queryApiDocument = openApiDocument(
  'Query API',
  'Analytics served from the read models, and where the pipeline stands.',
  {
    '/health': { get: { responses: { '200': health, '503': errorResponse('the read database does not answer') } } },
    '/api/products': {
      get: {
        requestParams: { query: listProductsQuery },
        responses: { '200': jsonContent(z.array(productSchema), 'products by id'), '400': bad },
      },
    },
    '/api/products/{id}': {
      get: {
        requestParams: { path: id },
        responses: { '200': jsonContent(productSchema, 'one product'), '400': bad, '404': errorResponse('unknown product') },
      },
    },
    '/api/orders/{id}': {
      get: {
        requestParams: { path: id },
        responses: { '200': jsonContent(orderSchema, 'one order'), '400': bad, '404': errorResponse('unknown order') },
      },
    },
    '/api/analytics/products/{id}/sales': {
      get: {
        requestParams: { path: id },
        responses: { '200': jsonContent(productSalesSchema, 'zeros when nothing sold'), '400': bad },
      },
    },
    '/api/analytics/categories/{category}/revenue': {
      get: {
        requestParams: { path: categoryParams },
        responses: { '200': jsonContent(categoryRevenueSchema, 'zeros when nothing sold'), '400': bad },
      },
    },
    '/api/analytics/customers/{id}/lifetime-value': {
      get: {
        requestParams: { path: id },
        responses: { '200': jsonContent(customerValueSchema, 'zeros and null date without orders'), '400': bad },
      },
    },
    '/api/analytics/hourly-sales': {
      get: {
        requestParams: { query: hourlySalesQuery },
        responses: { '200': jsonContent(hourlySalesSchema, 'UTC hours with sales, oldest first'), '400': bad },
      },
    },
    '/api/analytics/sync-status': {
      get: { responses: { '200': jsonContent(syncStatusSchema, 'pipeline position; unreachable parts are named and null') } },
    },
  },
);

export const docsRouter = () => serveDocs(queryApiDocument);
