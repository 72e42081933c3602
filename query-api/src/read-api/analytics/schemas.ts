import { z } from 'zod';
import { textParam } from '@shop/shared/http';

export const productSalesSchema = z
  .object({
    productId: z.number().int(),
    totalQuantitySold: z.number().int(),
    totalRevenue: z.number(),
    orderCount: z.number().int(),
  })
  .meta({ id: 'ProductSales' });

export const categoryRevenueSchema = z
  .object({ category: z.string(), totalRevenue: z.number(), totalOrders: z.number().int() })
  .meta({ id: 'CategoryRevenue' });

export const customerValueSchema = z
  .object({
    customerId: z.number().int(),
    totalSpent: z.number(),
    orderCount: z.number().int(),
    lastOrderDate: z.string().nullable(),
  })
  .meta({ id: 'CustomerLifetimeValue' });

export const hourlySalesSchema = z
  .array(z.object({ hour: z.string(), totalRevenue: z.number(), orderCount: z.number().int(), itemsSold: z.number().int() }))
  .meta({ id: 'HourlySales' });

const EARLIEST = new Date('0001-01-01T00:00:00Z');
const LATEST = new Date('9999-12-31T23:59:59.999Z');

/**
 * An ISO 8601 instant with a zone (`2026-11-23T10:00:00Z`), passed on in UTC: Postgres has no
 * year 0 and allows offsets only up to ±15:59, so `0000-01-01T00:00:00Z` or `…-23:59` would
 * otherwise fail the query (500) instead of being refused (400).
 */
const instant = z.iso.datetime({ offset: true }).transform((text, ctx) => {
  const date = new Date(text);
  if (date >= EARLIEST && date <= LATEST) return date.toISOString();
  ctx.addIssue({ code: 'custom', message: 'must be between the years 1 and 9999' });
  return z.NEVER;
});

/** `from` must not be after `to`. */
export const hourlySalesQuery = z
  .object({ from: instant.optional(), to: instant.optional() })
  .refine((q) => !q.from || !q.to || new Date(q.from) <= new Date(q.to), {
    message: 'from must not be after to',
    path: ['from'],
  });

export const categoryParams = z.object({ category: textParam(100) });
