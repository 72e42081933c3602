import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { WRITE_PLACED_ORDER_SQL } from '../../command-api/src/orders/write-placed-order.ts';
import { repoRoot } from '../../infra/src/stack-config.ts';
import { bindParameters, orderScript, PGBENCH_PROTOCOL } from './throughput.ts';

describe('the pgbench order script', () => {
  it('binds every parameter of the command API statements (none is left as $n)', () => {
    const script = orderScript([1, 2, 3, 4, 5]);
    expect(script).not.toMatch(/\$\d/);
    expect(script).not.toContain('undefined');
  });

  it('refuses a statement with a parameter it has no expression for', () => {
    const count = new Set(WRITE_PLACED_ORDER_SQL.match(/\$\d+/g)).size;
    const expressions = Array.from({ length: count - 1 }, () => '1');
    expect(() => bindParameters(WRITE_PLACED_ORDER_SQL, expressions)).toThrow(`no expression for parameter $${count}`);
  });
});

describe('pgbench speaks the protocol the APIs send their statements in', () => {
  const source = (path: string) => readFileSync(join(repoRoot, path), 'utf8');

  it('prepared for the command API while its order statements are named, extended (unnamed) otherwise', () => {
    const named = [
      source('command-api/src/orders/write-placed-order.ts'),
      source('command-api/src/products/product-queries.ts'),
    ].map((code) => /name:\s*'[^']+',\s*text:\s*(WRITE_PLACED_ORDER_SQL|LOCK_PRODUCTS_FOR_ORDER_SQL)/.test(code));
    expect(named[0]).toBe(named[1]);
    expect(PGBENCH_PROTOCOL.commandApi).toBe(named[0] ? 'prepared' : 'extended');
  });

  it('extended for the query API while its analytics queries are unnamed', () => {
    const named = /name:\s*'/.test(source('query-api/src/read-api/analytics/queries.ts'));
    expect(PGBENCH_PROTOCOL.queryApi).toBe(named ? 'prepared' : 'extended');
  });
});
