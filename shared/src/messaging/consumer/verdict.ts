import type { ConsumeMessage } from 'amqplib';

/**
 * What the handler decided for one delivery. `ack`: applied (or already applied: a duplicate).
 * `requeue`: its projection failed and it has attempts left: back to the broker. `dead-letter`:
 * park it in the DLQ with the reason (it cannot be decoded, this build does not know its type or
 * version, it is not to be trusted, or it failed too often). `note: false` parks it without a
 * note in `dead_letters`: a forged copy of a noted dead letter, whose note is the real event's
 * and stays as it is.
 */
export type Verdict =
  | { msg: ConsumeMessage; action: 'ack' }
  | { msg: ConsumeMessage; action: 'requeue' }
  | { msg: ConsumeMessage; action: 'dead-letter'; reason: string; note?: boolean };

/** A database is down or busy (the read database, or the write side a message is checked against): retry the same batch later, settling nothing. */
export class TransientFailure extends Error {
  constructor(cause: unknown, database = 'read database') {
    super(`${database} unavailable: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
    this.name = 'TransientFailure';
  }
}
