import { describe, expect, it } from 'vitest';
import { WRITE_PLACED_ORDER_SQL } from '../../command-api/src/orders/write-placed-order.ts';
import { bindParameters, orderScript } from './throughput.ts';

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
