import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../../infra/src/stack-config.ts';

/** The rules of .dependency-cruiser.cjs (imports point down, docs/architecture.md) hold for the product's code. */
describe('layers', () => {
  it('no import runs back up a layer, and none goes in a circle', () => {
    const bin = join(repoRoot, 'node_modules', '.bin', 'depcruise');
    const sources = ['command-api/src', 'projector/src', 'query-api/src', 'shared/src', 'infra/src'];
    const args = [...sources, '--config', '.dependency-cruiser.cjs', '--output-type', 'err'];
    let output = '';
    try {
      output = execFileSync(bin, args, { cwd: repoRoot, encoding: 'utf8' });
    } catch (err) {
      output = String((err as { stdout?: string }).stdout ?? err);
    }
    expect(output).toContain('no dependency violations found');
  }, 60_000);
});
