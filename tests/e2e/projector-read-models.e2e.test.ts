import { describe, expect, inject, it } from 'vitest';
import { compareReadModels } from '../../projector/src/verify/compare-read-models.ts';
import { stackDatabases, waitUntilProjected } from '../support/clients.ts';
import { runMixedWorkload } from '../support/workload.ts';

const stack = inject('stack');

describe('read models after a mixed workload through the real pipeline', () => {
  const { write, read } = stackDatabases(stack);

  it('every read model equals the same aggregate recomputed from the write database', async () => {
    const result = await runMixedWorkload(stack, 1, 80);
    expect(result.orders.length).toBe(80);
    expect(result.cancelled.length).toBeGreaterThan(5);
    await waitUntilProjected(stack);

    const comparison = await compareReadModels(write, read);
    for (const model of comparison) expect(model, model.model).toMatchObject({ differences: [] });
    const byModel = Object.fromEntries(comparison.map((c) => [c.model, c.writeRows]));
    expect(byModel.orders).toBeGreaterThanOrEqual(80);
    expect(byModel.product_sales).toBeGreaterThan(0);
    expect(byModel.hourly_sales).toBeGreaterThan(0);
  });

  it('reports its work at /metrics: events by outcome, batch sizes, last event time, dead-letter depth', async () => {
    const text = await (await fetch(`http://127.0.0.1:${stack.PROJECTOR_PORT}/metrics`)).text();
    const applied = Number(/projector_events_total\{outcome="applied"[^}]*\} (\d+)/.exec(text)?.[1]);
    expect(applied).toBeGreaterThan(0);
    expect(Number(/projector_batch_size_count\{[^}]*\} (\d+)/.exec(text)?.[1])).toBeGreaterThan(0);
    const last = Number(/projector_last_event_timestamp_seconds\{[^}]*\} ([\d.e+]+)/.exec(text)?.[1]);
    expect(Math.abs(last - Date.now() / 1000)).toBeLessThan(600);
    expect(text).toMatch(/projector_dead_letter_messages\{[^}]*\} \d+/);
  });
});
