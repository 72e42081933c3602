import type { Router } from 'express';
import type pg from 'pg';
import { idParams } from '@shop/shared/http';
import { featureRouter } from '@shop/shared/metrics';
import { categoryRevenue, customerValue, hourlySales, productSales } from './queries.ts';
import { categoryParams, hourlySalesQuery } from './schemas.ts';

export function analyticsRoutes(pool: pg.Pool): Router {
  const router = featureRouter();
  router.get('/products/:id/sales', async (req, res) => {
    res.json(await productSales(pool, idParams.parse(req.params).id));
  });
  router.get('/categories/:category/revenue', async (req, res) => {
    res.json(await categoryRevenue(pool, categoryParams.parse(req.params).category));
  });
  router.get('/customers/:id/lifetime-value', async (req, res) => {
    res.json(await customerValue(pool, idParams.parse(req.params).id));
  });
  router.get('/hourly-sales', async (req, res) => {
    const { from, to } = hourlySalesQuery.parse(req.query);
    res.json(await hourlySales(pool, from, to));
  });
  return router;
}
