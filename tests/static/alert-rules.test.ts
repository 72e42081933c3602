import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { repoRoot } from '../../infra/src/stack-config.ts';

const dir = join(repoRoot, 'infra', 'prometheus');

/** promtool, from Debian's prometheus package (`npm test` installs it: infra/bin/ensure-test-tools.sh). */
function promtool(...args: string[]): string {
  try {
    return execFileSync('promtool', args, { cwd: dir, encoding: 'utf8', stdio: 'pipe' });
  } catch (err) {
    const e = err as { code?: string; stdout?: string; stderr?: string };
    if (e.code === 'ENOENT') throw new Error('promtool not found: apt-get install prometheus (npm test does it as root)');
    throw new Error(`promtool ${args.join(' ')} failed:\n${e.stdout ?? ''}${e.stderr ?? ''}`);
  }
}

interface Rule {
  alert: string;
  expr: string;
}

const rules = (parse(readFileSync(join(dir, 'alerts.yml'), 'utf8')) as { groups: { rules: Rule[] }[] }).groups.flatMap(
  (g) => g.rules,
);

/** Where our services register their metrics: a rule may only use a name registered there. */
const METRIC_SOURCES = ['query-api/src/lag/lag-metrics.ts', 'projector/src/http/metrics.ts'];

describe('Prometheus alert rules (infra/prometheus)', () => {
  it('are valid rules', () => {
    expect(promtool('check', 'rules', 'alerts.yml')).toMatch(/SUCCESS: \d+ rules found/);
  });

  it('pass their unit tests: each fires when it should and stays quiet on a healthy pipeline', () => {
    expect(promtool('test', 'rules', 'alerts.test.yml')).toMatch(/SUCCESS/);
  });

  it('use only metrics that our services register', () => {
    const registered = METRIC_SOURCES.map((f) => readFileSync(join(repoRoot, f), 'utf8')).join('\n');
    const used = new Set(rules.flatMap((r) => r.expr.match(/\b(?:pipeline|projector)_[a-z_]+/g) ?? []));
    expect(used.size).toBeGreaterThan(5);
    for (const name of used) expect(registered, `${name} is not registered`).toContain(`'${name}'`);
  });

  it('cover what an operator must be told about', () => {
    expect(rules.map((r) => r.alert)).toEqual(
      expect.arrayContaining([
        'ReplicationSlotLagHigh',
        'ReplicationSlotStuck',
        'PipelineLagHigh',
        'EventsMissing',
        'DeadLetterQueueNotEmpty',
        'DebeziumDown',
        'ProjectorDisconnected',
      ]),
    );
    const tested = readFileSync(join(dir, 'alerts.test.yml'), 'utf8');
    for (const r of rules) expect(tested, `${r.alert} has no test`).toContain(`alertname: ${r.alert}\n`);
  });
});
