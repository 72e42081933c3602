import { z } from 'zod';
import { docsRouter as serveDocs, errorResponse, jsonContent, openApiDocument } from '@shop/shared/openapi';
import {
  categoryParams,
  categoryRevenueSchema,
  customerValueSchema,
  hourlySalesQuery,
  hourlySalesSchema,
  productSalesSchema,
} from '../read-api/analytics/schemas.ts';
import { syncStatusSchema } from '../lag/schemas.ts';
import { orderSchema } from '../read-api/orders/schemas.ts';
import { listProductsQuery, productSchema } from '../read-api/products/schemas.ts';
import { asOfQuery } from '../read-api/as-of/as-of-query.ts';
import { historyQuery, historySchema } from '../read-api/events/schemas.ts';

const id = z.object({
  id: z
    .string()
    .regex(/^[1-9][0-9]{0,9}$/)
    .meta({ description: 'positive 32-bit integer' }),
});
const bad = errorResponse(
  'malformed id, date (asOf: strict RFC 3339) or paging parameter (after, limit); invalid_consistency_token (problem: malformed or foreign)',
);
/** Every read may wait for a command's write (read-your-writes, docs/contract.md). */
const consistency = z.object({
  'consistency-token': z
    .string()
    .optional()
    .meta({ description: "a command's Consistency-Token: answer only once the read models include that write" }),
  prefer: z
    .string()
    .optional()
    .meta({ description: 'wait=<seconds>: wait less than the server bound (CONSISTENCY_WAIT_MS, 5 s) for the token' }),
});
const notYet = errorResponse(
  'not_yet_consistent: the write of the Consistency-Token is not in the read models within the wait (missing, parked, waitedMs; Retry-After); service_unavailable: CONSISTENCY_MAX_WAITERS requests wait already (Retry-After)',
);
/** An aggregate's history: its events from the log, each with where the pipeline has it (docs/contract.md). */
const history = (what: string) => ({
  get: {
    requestParams: { header: consistency, path: id, query: historyQuery },
    responses: {
      '200': jsonContent(historySchema, `the ${what}'s events in log order, a page at a time, each with its pipeline state`),
      '400': bad,
      '404': errorResponse(`no event of that ${what} in the log`),
      '503': notYet,
    },
  },
});
const health = jsonContent(
  z.object({
    status: z.literal('ok'),
    debezium: z.object({
      activeInstance: z
        .string()
        .nullable()
        .meta({ description: 'the Debezium instance holding the slot lease (null: none, or unknown)' }),
      activeSince: z.string().nullable(),
    }),
  }),
  'the read database answers',
);

export const queryApiDocument = openApiDocument(
  'Query API',
  'Analytics served from the read models, and where the pipeline stands.',
  {
    '/health': { get: { responses: { '200': health, '503': errorResponse('the read database does not answer') } } },
    '/api/products': {
      get: {
        requestParams: { header: consistency, query: listProductsQuery },
        responses: { '200': jsonContent(z.array(productSchema), 'products by id'), '400': bad, '503': notYet },
      },
    },
    '/api/products/{id}': {
      get: {
        requestParams: { header: consistency, path: id, query: asOfQuery },
        responses: {
          '200': jsonContent(productSchema, 'one product (with asOf: as it was then)'),
          '400': bad,
          '404': errorResponse('unknown product (with asOf: not created yet at that moment)'),
          '503': notYet,
        },
      },
    },
    '/api/products/{id}/events': history('product'),
    '/api/orders/{id}': {
      get: {
        requestParams: { header: consistency, path: id, query: asOfQuery },
        responses: {
          '200': jsonContent(orderSchema, 'one order (with asOf: as it was then)'),
          '400': bad,
          '404': errorResponse('unknown order (with asOf: not placed yet at that moment)'),
          '503': notYet,
        },
      },
    },
    '/api/orders/{id}/events': history('order'),
    '/api/analytics/products/{id}/sales': {
      get: {
        requestParams: { header: consistency, path: id },
        responses: { '200': jsonContent(productSalesSchema, 'zeros when nothing sold'), '400': bad, '503': notYet },
      },
    },
    '/api/analytics/categories/{category}/revenue': {
      get: {
        requestParams: { header: consistency, path: categoryParams },
        responses: { '200': jsonContent(categoryRevenueSchema, 'zeros when nothing sold'), '400': bad, '503': notYet },
      },
    },
    '/api/analytics/customers/{id}/lifetime-value': {
      get: {
        requestParams: { header: consistency, path: id },
        responses: { '200': jsonContent(customerValueSchema, 'zeros and null date without orders'), '400': bad, '503': notYet },
      },
    },
    '/api/analytics/hourly-sales': {
      get: {
        requestParams: { header: consistency, query: hourlySalesQuery },
        responses: { '200': jsonContent(hourlySalesSchema, 'UTC hours with sales, oldest first'), '400': bad, '503': notYet },
      },
    },
    '/api/analytics/sync-status': {
      get: { responses: { '200': jsonContent(syncStatusSchema, 'pipeline position; unreachable parts are named and null') } },
    },
  },
);

export const docsRouter = () => serveDocs(queryApiDocument);
