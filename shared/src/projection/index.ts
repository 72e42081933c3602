/**
 * Applying a batch of events to the read models as one statement (projector migration 011): the
 * projector's batches and rebuild run it on the read schema, the query API's time travel on
 * temporary copies of the tables (one definition of what applying an event does).
 */
export * from './batch-statement.ts';
