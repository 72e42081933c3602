import { describe, expect, it } from 'vitest';
import type { KnownEvent } from '../events/index.ts';
import type { ReadModel } from '../read-models/index.ts';
import { READ_MODELS } from '../read-models/index.ts';
import { PRUNING_LOCK } from '../read-side/index.ts';
import { batchStatement } from './batch-statement.ts';

const model = (name: string, types: string[], handles: ReadModel['handles']): ReadModel => ({
  name,
  tables: [name],
  handles,
  applyFunction: `projection.apply_${name}`,
  parameterTypes: types,
  parameters: (events) => types.map(() => events.map((e) => e.id)),
  checks: [],
});

const placed = { id: 'p', type: 'OrderPlaced', position: 7 } as unknown as KnownEvent;
const created = { id: 'c', type: 'ProductCreated', position: 8 } as unknown as KnownEvent;

describe('batchStatement', () => {
  it('nests the read models between the admission and the finish, in the registry order, every value a parameter', () => {
    const statement = batchStatement(
      [model('a', ['int[]'], ['OrderPlaced']), model('b', ['text[]', 'int[]'], ['ProductCreated'])],
      'ch',
    );
    expect(statement.text).toBe(
      'SELECT not_new, unverified FROM projection.finish_batch(projection.apply_b(projection.apply_a(' +
        'projection.admit_batch($1::uuid[], $2::text[], $3::text[], $4::text[], $5::timestamptz[], $6::bigint[], $7::bigint, $8::uuid[]), ' +
        '$9::int[]), $10::text[], $11::int[]), $12::int[], $13::bigint[], $14::bigint[], $15::text)',
    );
  });

  it('gives each read model only the events it handles, and one value per placeholder', () => {
    const statement = batchStatement(
      [model('a', ['int[]'], ['OrderPlaced']), model('b', ['text[]', 'int[]'], ['ProductCreated'])],
      'ch',
    );
    const parameters = statement.parameters({ applied: [{ shard: 3, events: [placed, created] }], vouched: ['c'] });
    expect(parameters).toHaveLength(15);
    expect(parameters.slice(7, 11)).toEqual([['c'], ['p'], ['c'], ['c']]);
    expect(parameters.slice(11)).toEqual([[3], [2], [8], 'ch']);
  });

  it('has as many values as placeholders for the registered read models', () => {
    const statement = batchStatement(READ_MODELS, 'ch');
    const placeholders = statement.text.match(/\$\d+/g)!.length;
    expect(statement.parameters({ applied: [{ shard: 0, events: [] }], vouched: [] })).toHaveLength(placeholders);
  });

  it("holds retention's pruning lock unless the caller names its own (time travel's scratch tables)", () => {
    const batch = { applied: [{ shard: 0, events: [] }], vouched: [] };
    expect(batchStatement(READ_MODELS, 'ch').parameters(batch)[6]).toBe(PRUNING_LOCK);
    expect(batchStatement(READ_MODELS, 'ch', 42).parameters(batch)[6]).toBe(42);
  });
});
