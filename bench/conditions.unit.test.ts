import { describe, expect, it } from 'vitest';
import { benchSmokeStackConfig, benchStackConfig, testStackConfig } from '../infra/src/stack-config.ts';
import { SECRET_SETTINGS } from '../infra/src/secrets.ts';
import { againstShipped, shippedStackConfig } from './conditions.ts';

describe('the bench stack against what npm start ships', () => {
  it('names no secret: the stacks generate their own passwords, which must never reach the page or the results', () => {
    const stack = benchStackConfig();
    const shipped = shippedStackConfig();
    const secrets = SECRET_SETTINGS.flatMap((name) => [stack[name], shipped[name]]);
    const text = JSON.stringify(againstShipped(stack, shipped));
    for (const secret of secrets) expect(text).not.toContain(secret);
    expect(text).not.toMatch(/PASSWORD/);
  });

  it('differs in ports, names and folders only: fsync on, LOG_LEVEL info, the shipped heartbeat', () => {
    for (const stack of [benchStackConfig(), benchSmokeStackConfig()]) {
      const { unexpected, asShipped, differences } = againstShipped(stack, shippedStackConfig());
      expect(unexpected).toEqual([]);
      expect(asShipped).toContainEqual({ setting: 'PG_FSYNC', value: 'on' });
      expect(asShipped).toContainEqual({ setting: 'LOG_LEVEL', value: 'info' });
      expect(differences.map((d) => d.setting)).toContain('PG_PORT');
    }
  });

  it('tells a stack with other durability apart (the test stack runs without fsync)', () => {
    const { unexpected } = againstShipped(testStackConfig(), shippedStackConfig());
    expect(unexpected.map((d) => d.setting)).toContain('PG_FSYNC');
  });
});
