import type { EventType, KnownEvent } from '../events/index.ts';

/** One of a read model's checks: the same rows recomputed from the write database and read from the read side. */
export interface ReadModelCheck {
  /** The read-side table it checks. */
  table: string;
  write: string;
  read: string;
}

/**
 * A read model, registered in ./index.ts: what it is made of, what it reads, how a batch is applied
 * to it and how it is checked. The projector's batches, the rebuild and the comparison with the
 * write side all loop over the registry; adding a read model is a folder here and a migration
 * (docs/architecture.md, "Adding a read model").
 */
export interface ReadModel {
  /** Its folder's name. */
  name: string;
  /** Its tables in the read schema: its migration makes them, a rebuild makes them anew. */
  tables: readonly string[];
  /** The event types it reads; it is given only those. */
  handles: readonly EventType[];
  /**
   * Its function in the read database (its migration): it takes the batch's admission by the inbox
   * and then these parameters, applies its share of a batch and hands the admission on.
   */
  applyFunction: string;
  parameterTypes: readonly string[];
  /** Its share of a batch as the function's parameters (arrays, one per column), planned from its events. */
  parameters(events: readonly KnownEvent[]): readonly unknown[];
  /** The rows to compare with the write side recomputed (order matters: both sides sorted alike). */
  checks: readonly ReadModelCheck[];
}
