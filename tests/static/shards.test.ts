import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MAX_SHARD_COUNT } from '@shop/shared/messaging';
import { repoRoot } from '../../infra/src/stack-config.ts';

const migrations = join(repoRoot, 'command-api/migrations');
const migration = (name: string) => readFileSync(join(migrations, name), 'utf8');

/** Every .ts file under these folders (node_modules left out). */
function sourceFiles(...folders: string[]): string[] {
  const walk = (dir: string): string[] =>
    readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
      if (entry.name === 'node_modules') return [];
      const path = join(dir, entry.name);
      return entry.isDirectory() ? walk(path) : entry.name.endsWith('.ts') ? [path] : [];
    });
  return folders.flatMap((folder) => walk(join(repoRoot, folder)));
}

describe('shard count', () => {
  it('has one source: the outbox trigger routes by the write side outbox_routing, not by a number of its own', () => {
    const defining = readdirSync(migrations)
      .filter((name) => /CREATE (OR REPLACE )?FUNCTION outbox_route\(\)/.test(migration(name)))
      .sort();
    const newest = migration(defining[defining.length - 1]!);
    const trigger = /FUNCTION outbox_route\(\)[\s\S]*?\$\$([\s\S]*?)\$\$/.exec(newest)![1]!;
    expect(trigger).toMatch(/FROM outbox_routing/);
    expect(trigger).not.toMatch(/%\s*\d/);
  });

  it('bounds the count in the table as MAX_SHARD_COUNT does, and starts at a count within it', () => {
    const sql = migration('011_outbox_routing.sql');
    expect(sql).toContain(`shard_count BETWEEN 1 AND ${MAX_SHARD_COUNT}`);
    const initial = Number(
      /INSERT INTO outbox_routing \(since_position, shard_count, drained_at\) VALUES \(0, (\d+), now\(\)\)/.exec(sql)?.[1],
    );
    expect(initial).toBeGreaterThanOrEqual(1);
    expect(initial).toBeLessThanOrEqual(MAX_SHARD_COUNT);
  });

  it('no code or test hashes an aggregate into a fixed number of shards', () => {
    const fixed = sourceFiles('shared', 'command-api', 'projector', 'query-api', 'notifier', 'infra', 'tests', 'bench').filter(
      (file) => /hashtextextended\([^)]*\)\)?\s*%\s*\d/.test(readFileSync(file, 'utf8')),
    );
    expect(fixed.map((file) => relative(repoRoot, file))).toEqual([]);
  });
});
