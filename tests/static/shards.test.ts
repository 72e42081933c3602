import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SHARD_COUNT } from '@shop/shared/messaging';
import { repoRoot } from '../../infra/src/stack-config.ts';

describe('shard count', () => {
  it('the outbox trigger hashes into as many shards as the projector has queues', () => {
    const migration = readFileSync(join(repoRoot, 'command-api/migrations/004_outbox_route.sql'), 'utf8');
    const moduli = [...migration.matchAll(/% (\d+)\)/g)].map((m) => Number(m[1]));
    expect(moduli.length).toBeGreaterThan(0);
    for (const modulus of moduli) expect(modulus).toBe(SHARD_COUNT);
  });
});
