import type pg from 'pg';
import { fromStates, toState, type OperationKind, type OperationState } from './lifecycle.ts';
import { withTransaction } from '../db/transaction.ts';

/** Operations in the read database (schema `audit`, projector/migrations/004_operations.sql). */

export interface Operation {
  id: number;
  kind: OperationKind;
  state: OperationState;
  requestedBy: string;
  requestedAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  phase: string | null;
  done: number | null;
  total: number | null;
  result: Record<string, unknown> | null;
  error: string | null;
}

export interface OperationProgress {
  phase: string;
  done?: number | null;
  total?: number | null;
}

/** Asked for while one of the same kind is still requested or running. */
export class OperationAlreadyActive extends Error {
  constructor(readonly active: Operation) {
    super(
      `a ${active.kind} is already ${active.state} (operation ${active.id}, requested by ${active.requestedBy} at ${active.requestedAt})`,
    );
    this.name = 'OperationAlreadyActive';
  }
}

const COLUMNS = /* sql */ `id::int, kind, state, requested_by, requested_at, started_at, finished_at, phase,
  done::float8 AS done, total::float8 AS total, result, error`;

interface Row {
  id: number;
  kind: OperationKind;
  state: OperationState;
  requested_by: string;
  requested_at: Date;
  started_at: Date | null;
  finished_at: Date | null;
  phase: string | null;
  done: number | null;
  total: number | null;
  result: Record<string, unknown> | null;
  error: string | null;
}

const toOperation = (r: Row): Operation => ({
  id: r.id,
  kind: r.kind,
  state: r.state,
  requestedBy: r.requested_by,
  requestedAt: r.requested_at.toISOString(),
  startedAt: r.started_at?.toISOString() ?? null,
  finishedAt: r.finished_at?.toISOString() ?? null,
  phase: r.phase,
  done: r.done,
  total: r.total,
  result: r.result,
  error: r.error,
});

const UNIQUE_VIOLATION = '23505';
const UNDEFINED_TABLE = '42P01';
const pgCode = (err: unknown) => (err as { code?: string }).code;

/**
 * Records a new operation: `requested` for a projector to claim (the console), or already
 * `running` for a process that runs it itself (`npm run rebuild`). Throws OperationAlreadyActive
 * while one of its kind is requested or running (the partial unique index decides, so two callers
 * racing cannot both win).
 */
export async function recordOperation(
  read: pg.Pool,
  args: { kind: OperationKind; requestedBy: string; running?: boolean },
): Promise<Operation> {
  try {
    // READ WRITE: the console asks through the query API, whose sessions are read-only by default.
    const { rows } = await withTransaction(
      read,
      (client) =>
        client.query<Row>(
          /* sql */ `INSERT INTO operations.requests (kind, requested_by, state, started_at, heartbeat_at)
                     VALUES ($1, $2, $3, CASE WHEN $4::boolean THEN now() END, CASE WHEN $4::boolean THEN now() END)
                     RETURNING ${COLUMNS}`,
          [args.kind, args.requestedBy, args.running === true ? toState('claim') : 'requested', args.running === true],
        ),
      'read write',
    );
    return toOperation(rows[0]!);
  } catch (err) {
    if (pgCode(err) !== UNIQUE_VIOLATION) throw err;
    const active = await activeOperation(read, args.kind);
    if (!active) throw err;
    throw new OperationAlreadyActive(active);
  }
}

async function activeOperation(read: pg.Pool, kind: OperationKind): Promise<Operation | undefined> {
  const { rows } = await read.query<Row>(
    /* sql */ `SELECT ${COLUMNS} FROM operations.requests WHERE kind = $1 AND state IN ('requested', 'running')`,
    [kind],
  );
  return rows[0] && toOperation(rows[0]);
}

/** Takes the oldest requested operation for this process to run; undefined when there is none. */
export async function claimOperation(read: pg.Pool): Promise<Operation | undefined> {
  const { rows } = await read.query<Row>(
    /* sql */ `UPDATE operations.requests SET state = $2, started_at = now(), heartbeat_at = now()
                WHERE id = (SELECT id FROM operations.requests WHERE state = ANY($1::text[])
                             ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED)
                  AND state = ANY($1::text[])
               RETURNING ${COLUMNS}`,
    [fromStates('claim'), toState('claim')],
  );
  return rows[0] && toOperation(rows[0]);
}

/** Moves the heartbeat on, and the progress when given; false when the operation is no longer running. */
export async function reportProgress(read: pg.Pool, id: number, progress?: OperationProgress): Promise<boolean> {
  const { rowCount } = await read.query(
    /* sql */ `UPDATE operations.requests
                  SET heartbeat_at = now(),
                      phase = CASE WHEN $3::boolean THEN $4 ELSE phase END,
                      done = CASE WHEN $3::boolean THEN $5::bigint ELSE done END,
                      total = CASE WHEN $3::boolean THEN $6::bigint ELSE total END
                WHERE id = $1 AND state = ANY($2::text[])`,
    [
      id,
      fromStates('progress'),
      progress !== undefined,
      progress?.phase ?? null,
      progress?.done ?? null,
      progress?.total ?? null,
    ],
  );
  return rowCount === 1;
}

export type OperationOutcome = { succeeded: true; result: Record<string, unknown> } | { succeeded: false; error: string };

/** Records how a running operation ended. */
export async function finishOperation(read: pg.Pool, id: number, outcome: OperationOutcome): Promise<void> {
  const transition = outcome.succeeded ? 'succeed' : 'fail';
  await read.query(
    /* sql */ `UPDATE operations.requests
                  SET state = $3, finished_at = now(), heartbeat_at = now(), result = $4::jsonb, error = $5
                WHERE id = $1 AND state = ANY($2::text[])`,
    [
      id,
      fromStates(transition),
      toState(transition),
      outcome.succeeded ? JSON.stringify(outcome.result) : null,
      outcome.succeeded ? null : outcome.error,
    ],
  );
}

/** Fails running operations whose heartbeat stopped more than `staleMs` ago: their process died. */
export async function abandonStale(read: pg.Pool, staleMs: number): Promise<Operation[]> {
  const { rows } = await read.query<Row>(
    /* sql */ `UPDATE operations.requests
                  SET state = $3, finished_at = now(),
                      error = 'abandoned: the process running it stopped (no heartbeat since ' || heartbeat_at || ')'
                WHERE state = ANY($1::text[]) AND heartbeat_at < now() - make_interval(secs => $2::float8 / 1000)
               RETURNING ${COLUMNS}`,
    [fromStates('abandon'), staleMs, toState('abandon')],
  );
  return rows.map(toOperation);
}

/** The newest operation of each kind; none before the projector has created the table. */
export async function latestOperations(read: pg.Pool): Promise<Partial<Record<OperationKind, Operation>>> {
  try {
    const { rows } = await read.query<Row>(
      /* sql */ `SELECT DISTINCT ON (kind) ${COLUMNS} FROM operations.requests ORDER BY kind, id DESC`,
    );
    return Object.fromEntries(rows.map((r) => [r.kind, toOperation(r)]));
  } catch (err) {
    if (pgCode(err) === UNDEFINED_TABLE) return {};
    throw err;
  }
}
