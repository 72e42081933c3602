import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { stackDirs, runningPid } from '../../infra/src/native/processes.ts';
import { stackPieces } from '../../infra/src/native/pieces.ts';
import { benchSmokeStackConfig, repoRoot } from '../../infra/src/stack-config.ts';
import type { BenchResults } from '../../bench/report/results.ts';
import { instanceName, MAX_INSTANCES } from '../../bench/scenarios/projector-instances.ts';

const TIMEOUT_MS = 15 * 60_000;

/**
 * `npm run bench -- --smoke`: every scenario of the bench at tiny sizes on a stack of its own (not
 * the test stack, not the bench's), so the bench cannot rot between the runs that publish its
 * figures. Only that it runs and measures something is checked, never a figure.
 */
describe('npm run bench -- --smoke', () => {
  const dir = mkdtempSync(join(tmpdir(), 'bench-smoke-test-'));
  const file = join(dir, 'results.json');
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it(
    'runs every scenario, writes results with every section, and leaves nothing running',
    async () => {
      let output = '';
      const code = await new Promise<number | null>((resolve) => {
        const child = spawn('npx', ['tsx', 'bench/run.ts', '--smoke', '--results', file], {
          cwd: repoRoot,
          env: process.env,
          stdio: ['ignore', 'pipe', 'pipe'],
        });
        child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
        child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
        child.on('exit', (exitCode) => resolve(exitCode));
      });
      expect(code, output.slice(-5_000)).toBe(0);

      const results = JSON.parse(readFileSync(file, 'utf8')) as BenchResults;
      expect(results.mode).toBe('smoke');
      expect(results.conditions?.asShipped).toContainEqual({ setting: 'PG_FSYNC', value: 'on' });
      expect(results.idle?.length).toBeGreaterThan(0);
      expect(results.liveCpu?.[0]?.events).toBeGreaterThan(0);
      const systems = new Set(results.freshness.map((r) => r.system));
      for (const system of ['cdc', 'floor-apply', 'floor-receipt', 'skip-locked-relay', 'listen-notify-relay', 'polling-relay'])
        expect(systems, system).toContain(system);
      for (const run of results.freshness) {
        expect(run.windows.length, `${run.system} ${run.rate}/s`).toBeGreaterThan(0);
        expect(run.windows[0]!.latencyMs.count, `${run.system} ${run.rate}/s`).toBeGreaterThan(0);
      }
      expect(results.sustained?.steps.length).toBeGreaterThan(0);
      expect(results.relaySustained?.steps.length).toBeGreaterThan(0);
      expect(results.longTransactions?.length).toBe(4);
      expect(results.burst?.samples?.length).toBeGreaterThan(0);
      expect(results.burst?.baselineEventsPerSecond).toBeGreaterThan(0);
      expect(results.burst?.projectorEventsPerSecond).toBeGreaterThan(0);
      // Scale-out at its smallest: one instance, then two on disjoint halves of the shards.
      expect(results.scaleOut?.runs.map((r) => r.shards.flat().length)).toEqual([
        results.scaleOut?.shardCount,
        results.scaleOut?.shardCount,
      ]);
      expect(results.scaleOut?.runs.map((r) => r.instances)).toEqual([1, 2]);
      for (const run of results.scaleOut?.runs ?? []) {
        expect(run.catchUps[0]?.eventsPerSecond, `${run.instances} instances`).toBeGreaterThan(0);
        expect(run.live[0]?.latencyMs.count, `${run.instances} instances`).toBeGreaterThan(0);
      }
      expect(results.throughput.map((t) => t.http.requestsPerSecond > 0 && t.sql.transactionsPerSecond > 0)).toEqual([
        true,
        true,
      ]);
      // The page was rendered beside the results, not into docs/.
      expect(readFileSync(join(dir, 'docs', 'benchmarks.md'), 'utf8')).toContain('## Targets');
      expect(existsSync(join(repoRoot, 'bench', 'results', `${results.startedAt.replace(/[:.]/g, '-')}-smoke.json`))).toBe(false);

      const smoke = benchSmokeStackConfig();
      const dirs = stackDirs(smoke.stackDir);
      const instances = Array.from({ length: MAX_INSTANCES }, (_, i) => instanceName(i));
      expect(
        [...stackPieces(smoke).map((piece) => piece.name), ...instances].filter((piece) => runningPid(dirs, piece) !== undefined),
      ).toEqual([]);
    },
    TIMEOUT_MS,
  );
});
