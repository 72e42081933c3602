import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import type pg from 'pg';
import { pino } from 'pino';
import { postgresUrl } from '@shop/shared/config';
import { createPool, migrate } from '@shop/shared/db';
import { ensureDatabases } from '../../infra/src/native/postgres-cluster.ts';
import type { StackConfig } from '../../infra/src/stack-config.ts';

const migrations = fileURLToPath(new URL('../../projector/migrations', import.meta.url));

/**
 * A fresh read database of its own on the test cluster, migrated like the projector's, and a pool
 * whose unqualified table names resolve to the schema `read` (the projector's settings). The
 * caller ends the pool.
 */
export async function freshReadDatabase(stack: StackConfig, prefix: string, poolMax = 2): Promise<pg.Pool> {
  const name = `${prefix}_${randomBytes(5).toString('hex')}`;
  await ensureDatabases(stack, [name]);
  const url = postgresUrl(stack, name);
  await migrate(url, migrations, pino({ level: 'silent' }));
  return createPool(url, poolMax, `${prefix}-test`, 'read');
}
