import type { KnownEvent } from '../events/index.ts';
import {
  ADMISSION_TYPES,
  admissionParameters,
  PRUNING_LOCK,
  SHARD_PROGRESS_TYPES,
  shardProgressParameters,
} from '../read-side/index.ts';
import type { ReadModel } from '../read-models/index.ts';

/** What one statement applies: the events believed new of each shard's batch, and the copies vouched for. */
export interface BatchToApply {
  applied: readonly { shard: number; events: readonly KnownEvent[] }[];
  vouched: readonly string[];
}

/** The statement and how to fill its parameters from a batch, for a list of read models. */
export interface BatchStatement {
  text: string;
  parameters(batch: BatchToApply): unknown[];
}

/**
 * One statement, so that applying a batch is one round trip (migration 011): the inbox admits the
 * events, each read model applies its share in the list's order, and the bookkeeping records each
 * shard's progress and notifies. The text is made once, from the registry's function names and
 * parameter types (never from data); every value is a parameter.
 */
export function batchStatement(
  readModels: readonly ReadModel[],
  appliedChannel: string,
  /**
   * The advisory lock the batch holds shared until its transaction ends (PRUNING_LOCK: retention
   * takes it exclusively). A caller whose inbox is not the real one (the query API's time travel,
   * on temporary tables) passes a key of its own, so it never holds retention, nor the batches
   * queued behind retention, back.
   */
  pruningLock: number = PRUNING_LOCK,
): BatchStatement {
  let next = 0;
  const placeholders = (types: readonly string[]) => types.map((type) => `$${++next}::${type}`).join(', ');
  let call = `projection.admit_batch(${placeholders([...ADMISSION_TYPES, 'bigint', 'uuid[]'])})`;
  for (const model of readModels) call = `${model.applyFunction}(${call}, ${placeholders(model.parameterTypes)})`;
  const text = `SELECT not_new, unverified FROM projection.finish_batch(${call}, ${placeholders([...SHARD_PROGRESS_TYPES, 'text'])})`;
  return {
    text,
    parameters: ({ applied, vouched }) => {
      const events = applied.flatMap((b) => b.events);
      return [
        ...admissionParameters(events),
        pruningLock,
        vouched,
        ...readModels.flatMap((model) => model.parameters(events.filter((e) => model.handles.includes(e.type)))),
        ...shardProgressParameters(applied.map((b) => ({ shard: b.shard, applied: b.events }))),
        appliedChannel,
      ];
    },
  };
}
