import { createHash } from 'node:crypto';
import type pg from 'pg';
import { withTransaction } from '@shop/shared/db';
import { encodeToken, MAX_TOKEN_EVENTS } from '@shop/shared/consistency';
import { AppError, errorBody } from '@shop/shared/http';
import { takeWrittenEvents } from '../outbox/append-event.ts';
import { claimKey, findKey, saveResponse } from './key-queries.ts';

export interface CommandResponse {
  status: number;
  body: unknown;
  /** Names the events the command wrote: the query API answers with them included (read-your-writes). */
  consistencyToken?: string | undefined;
  /** True when this is the stored response of an earlier request with the same key. */
  replayed?: boolean;
}

/** Where commands run: the write database, its pipeline identity (the tokens' source), how long keys live. */
export interface CommandStore {
  pool: pg.Pool;
  source: string;
  /** An Idempotency-Key older than this is forgotten (IDEMPOTENCY_KEY_TTL_HOURS). */
  keyTtlHours: number;
}

export interface IdempotencyRequest {
  key: string;
  /** Method, path and body: the same key with another fingerprint is refused (422). */
  fingerprint: string;
}

export const fingerprintOf = (method: string, path: string, body: unknown) =>
  createHash('sha256')
    .update(`${method} ${path} ${JSON.stringify(body)}`)
    .digest('hex');

/**
 * Runs a command in one transaction. With an idempotency key, the key is claimed in that same
 * transaction (a concurrent retry waits on it), the response, success or refusal, is stored
 * with it, and a later retry gets that response back without running the command again.
 */
export async function executeCommand(
  store: CommandStore,
  idempotency: IdempotencyRequest | undefined,
  successStatus: number,
  command: (client: pg.PoolClient) => Promise<unknown>,
): Promise<CommandResponse> {
  return withTransaction(store.pool, async (client) => {
    takeWrittenEvents(client); // nothing of an earlier transaction on this client counts
    try {
      if (!idempotency) return succeeded(store, client, successStatus, await command(client));
      if (!(await claimKey(client, idempotency.key, idempotency.fingerprint, store.keyTtlHours)))
        return await replay(client, idempotency);
      await client.query('SAVEPOINT command');
      let response: CommandResponse;
      try {
        response = succeeded(store, client, successStatus, await command(client));
      } catch (err) {
        // A refusal (4xx) is an answer too: undo the command's writes but keep the key and the answer.
        if (!(err instanceof AppError) || err.status >= 500) throw err;
        await client.query('ROLLBACK TO SAVEPOINT command');
        response = { status: err.status, body: errorBody(err) };
      }
      await saveResponse(client, idempotency.key, response);
      return response;
    } finally {
      takeWrittenEvents(client);
    }
  });
}

/** A command's answer with the token of the events it wrote (none: no token). */
function succeeded(store: CommandStore, client: pg.PoolClient, status: number, body: unknown): CommandResponse {
  const eventIds = takeWrittenEvents(client);
  // No events, or more than a token names (no command writes that many): no token.
  if (eventIds.length === 0 || eventIds.length > MAX_TOKEN_EVENTS) return { status, body };
  return { status, body, consistencyToken: encodeToken({ source: store.source, issuedAt: new Date(), eventIds }) };
}

async function replay(client: pg.PoolClient, idempotency: IdempotencyRequest): Promise<CommandResponse> {
  const stored = await findKey(client, idempotency.key);
  if (!stored || stored.status === null) {
    throw new AppError(409, 'idempotency_key_reused', 'a request with this Idempotency-Key is still in progress');
  }
  if (stored.fingerprint !== idempotency.fingerprint) {
    throw new AppError(422, 'idempotency_key_reused', 'this Idempotency-Key was used with a different request', {
      idempotencyKey: idempotency.key,
    });
  }
  return {
    status: stored.status,
    body: JSON.parse(stored.body ?? 'null'),
    consistencyToken: stored.consistency_token ?? undefined,
    replayed: true,
  };
}
