import { z } from 'zod';

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

/** ISO 8601 instants with a zone (`2026-11-23T10:00:00Z`); `from` must not be after `to`. */
export const hourlySalesQuery = z
  .object({ from: z.iso.datetime({ offset: true }).optional(), to: z.iso.datetime({ offset: true }).optional() })
  .refine((q) => !q.from || !q.to || new Date(q.from) <= new Date(q.to), {
    message: 'from must not be after to',
    path: ['from'],
  });

export const categoryParams = z.object({ category: z.string().min(1).max(100) });
