import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../../infra/src/stack-config.ts';

/**
 * The rules of .dependency-cruiser.cjs (imports point down, docs/architecture.md) hold for the
 * product's code, as `npm run layers` checks them.
 */
describe('layers', () => {
  it('no import runs back up a layer, and none goes in a circle', () => {
    let output = '';
    try {
      output = execFileSync('npm', ['run', '--silent', 'layers', '--', '--output-type', 'err'], {
        cwd: repoRoot,
        encoding: 'utf8',
      });
    } catch (err) {
      output = String((err as { stdout?: string }).stdout ?? err);
    }
    expect(output).toContain('no dependency violations found');
  }, 60_000);
});
