import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { repoRoot } from '../../infra/src/stack-config.ts';

/** promtool, from Debian's prometheus package (`npm test` installs it: infra/bin/ensure-test-tools.sh). */
function promtool(...args: string[]): string {
  try {
    return execFileSync('promtool', args, { cwd: repoRoot, encoding: 'utf8', stdio: 'pipe' });
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string };
    throw new Error(`promtool ${args.join(' ')} failed:\n${e.stdout ?? ''}${e.stderr ?? ''}`);
  }
}

interface Panel {
  title: string;
  targets: { expr: string }[];
}
const dashboard = JSON.parse(readFileSync(join(repoRoot, 'infra/grafana/dashboards/pipeline.json'), 'utf8')) as {
  uid: string;
  panels: Panel[];
};
const exprs = dashboard.panels.flatMap((p) => p.targets.map((t) => ({ panel: p.title, expr: t.expr })));

type ComposeFile = { services: Record<string, { image?: string; profiles?: string[]; volumes?: string[] }> };
const compose = (file: string) => parse(readFileSync(join(repoRoot, file), 'utf8')) as ComposeFile;
const OBSERVABILITY = ['jaeger', 'prometheus', 'grafana'];

/** Where our services register their metrics: a dashboard may only use names registered there. */
const METRIC_SOURCES = ['query-api/src/lag/lag-metrics.ts', 'projector/src/http/metrics.ts', 'shared/src/http/metrics.ts'];

describe('observability for compose users (docker-compose.observability.yml, infra/prometheus, infra/grafana)', () => {
  it("Prometheus' configuration is valid and loads the alert rules", () => {
    expect(promtool('check', 'config', 'infra/prometheus/prometheus.yml')).toMatch(/SUCCESS: \d+ rules found/);
  });

  it('scrapes under the job names the alert rules use', () => {
    const jobs = (
      parse(readFileSync(join(repoRoot, 'infra/prometheus/prometheus.yml'), 'utf8')) as {
        scrape_configs: { job_name: string }[];
      }
    ).scrape_configs.map((c) => c.job_name);
    const rules = readFileSync(join(repoRoot, 'infra/prometheus/alerts.yml'), 'utf8');
    const used = new Set([...rules.matchAll(/job="([a-z-]+)"/g)].map((m) => m[1]!));
    expect(used.size).toBeGreaterThan(0);
    for (const job of used) expect(jobs).toContain(job);
  });

  it("the dashboard's every query is valid PromQL", () => {
    expect(exprs.length).toBeGreaterThan(10);
    // promtool checks expressions in rule files: one recording rule per panel query.
    const dir = mkdtempSync(join(tmpdir(), 'dashboard-'));
    const rules = {
      groups: [{ name: 'dashboard', rules: exprs.map((e, i) => ({ record: `dashboard:query_${i}`, expr: e.expr })) }],
    };
    writeFileSync(join(dir, 'dashboard.rules.yml'), stringify(rules));
    expect(promtool('check', 'rules', join(dir, 'dashboard.rules.yml'))).toMatch(`SUCCESS: ${exprs.length} rules found`);
  });

  it("the dashboard uses only metrics our services register (Debezium's: checked against its live endpoint in lag.e2e)", () => {
    const registered = METRIC_SOURCES.map((f) => readFileSync(join(repoRoot, f), 'utf8')).join('\n');
    const used = new Set(exprs.flatMap((e) => e.expr.match(/\b(?:pipeline|projector|http)_[a-z_]+/g) ?? []));
    expect(used.size).toBeGreaterThan(8);
    for (const name of used) {
      const base = name.replace(/_(bucket|sum|count)$/, '');
      expect(registered, `${name} (${base}) is not registered`).toContain(`'${base}'`);
    }
  });

  it('keeps Jaeger, Prometheus and Grafana out of the default stack: a second file, and a profile in it', () => {
    const base = compose('docker-compose.yml');
    const extra = compose('docker-compose.observability.yml');
    for (const name of OBSERVABILITY) {
      expect(base.services[name]).toBeUndefined();
      expect(extra.services[name]?.profiles).toEqual(['observability']);
    }
    const images = Object.values(base.services).map((s) => s.image ?? '');
    expect(images.filter((i) => /jaeger|prometheus|grafana/.test(i))).toEqual([]);
    // Every file the observability services mount is in the repository.
    for (const name of OBSERVABILITY)
      for (const volume of extra.services[name]?.volumes ?? []) {
        const source = volume.split(':')[0]!;
        if (source.startsWith('./')) expect(existsSync(join(repoRoot, source)), source).toBe(true);
      }
  });
});
