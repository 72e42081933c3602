import type { ConsumeMessage } from 'amqplib';

/**
 * What the handler decided for one delivery. `ack`: applied (or already applied: a duplicate).
 * `requeue`: its projection failed and it has attempts left: back to the broker. `dead-letter`:
 * park it in the DLQ with the reason (it cannot be decoded, this build does not know its type or
 * version, it is not to be trusted, or it failed too often).
 */
export type Verdict =
  | { msg: ConsumeMessage; action: 'ack' }
  | { msg: ConsumeMessage; action: 'requeue' }
  | { msg: ConsumeMessage; action: 'dead-letter'; reason: string };

/** A database is down or busy (the read database, or the write side a message is checked against): retry the same batch later, settling nothing. */
export class TransientFailure extends Error {
  constructor(cause: unknown, database = 'read database') {
    super(`${database} unavailable: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
    this.name = 'TransientFailure';
  }
}
