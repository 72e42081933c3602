import { categoryRevenue } from './category-revenue/index.ts';
import { customerValue } from './customer-value/index.ts';
import { orders } from './orders/index.ts';
import { products } from './products/index.ts';
import { productSales } from './product-sales/index.ts';
import type { ReadModel } from './read-model.ts';

export type { ReadModel, ReadModelCheck } from './read-model.ts';

/**
 * Every read model the projector maintains, in the order a batch is applied to them (a read model
 * that reads another's tables comes after it: customer value reads the orders).
 */
export const READ_MODELS: readonly ReadModel[] = [products, orders, productSales, categoryRevenue, customerValue];
