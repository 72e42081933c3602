import type { RequestHandler } from 'express';
import type pg from 'pg';
import { appliedAmong, inboxWatermark, parkedAmong } from '@shop/shared/read-side';
import { decodeToken } from '@shop/shared/consistency';
import { AppError } from '@shop/shared/http';
import type { AppliedWatch } from './applied-watch.ts';
import { waitFor } from './prefer-wait.ts';
import { TooManyWaiters, type WaitOutcome } from './waiters.ts';

export interface ReadYourWrites {
  watch: AppliedWatch;
  read: pg.Pool;
  /** This pipeline's identity (lazyPipelineSource): a token naming another is refused. */
  source: () => Promise<string>;
  /** The longest a request waits (CONSISTENCY_WAIT_MS). */
  maxWaitMs: number;
}

/**
 * A request that sends a command's `Consistency-Token` back is answered only once the read models
 * include that command's events: it waits (up to the bound, or less with `Prefer: wait=N`), then
 * goes on to its handler. Past the bound: 503 `not_yet_consistent` with Retry-After, naming the
 * events still missing and those parked as dead letters (they are included once re-driven); its
 * events are looked up once more first, on their own, so a write applied meanwhile is answered even
 * if no shared lookup reached it in time (`Prefer: wait=0` answers only so). Past
 * CONSISTENCY_MAX_WAITERS waiting requests: 503 `service_unavailable` at once, with Retry-After. A
 * token that cannot be read, or of another pipeline, is a 400. Without the header nothing changes.
 */
export function readYourWrites(deps: ReadYourWrites): RequestHandler {
  return async (req, res, next) => {
    const header = req.get('consistency-token');
    if (header === undefined) return next();
    const source = await deps.source().catch((err: unknown) => {
      throw new AppError(
        503,
        'service_unavailable',
        'the write database cannot tell its pipeline identity yet',
        {},
        { cause: err },
      );
    });
    const read = decodeToken(header.trim(), source);
    if (!read.ok) throw new AppError(400, 'invalid_consistency_token', read.message, { problem: read.problem });
    // Its events may have been pruned from the inbox since (they were applied long ago): at once.
    if (await issuedBeforePruning(deps.read, read.token.issuedAt)) return next();
    const wait = waitFor(req.headers.prefer, deps.maxWaitMs);
    const abandoned = new AbortController();
    const onClose = () => abandoned.abort();
    res.on('close', onClose);
    const started = Date.now();
    try {
      const outcome = await waitUntilApplied(deps.watch, read.token.eventIds, wait.ms, abandoned.signal);
      if (outcome === 'abandoned') return;
      if (outcome === 'timed out') {
        const refusal = await notYetConsistent(deps.read, read.token.eventIds, Date.now() - started);
        if (refusal) throw refusal;
      }
    } finally {
      res.off('close', onClose);
    }
    if (wait.applied) res.set('Preference-Applied', wait.applied);
    next();
  };
}

async function waitUntilApplied(watch: AppliedWatch, eventIds: string[], ms: number, signal: AbortSignal): Promise<WaitOutcome> {
  try {
    return await watch.waitUntilApplied(eventIds, ms, signal);
  } catch (err) {
    if (err instanceof TooManyWaiters) throw new AppError(503, 'service_unavailable', err.message);
    throw err;
  }
}

/**
 * A token issued at least a second (its precision) before the newest event pruned from the inbox:
 * its events are older than events the reconciler has checked and retention has archived.
 */
async function issuedBeforePruning(read: pg.Pool, issuedAt: Date): Promise<boolean> {
  const { occurredBefore } = await inboxWatermark(read);
  return occurredBefore !== null && issuedAt.getTime() + 1000 <= occurredBefore.getTime();
}

/** The 503 to answer once the wait is over, or nothing when every event is applied after all. */
async function notYetConsistent(read: pg.Pool, eventIds: string[], waitedMs: number): Promise<AppError | undefined> {
  const [done, parked] = await Promise.all([appliedAmong(read, eventIds), parkedAmong(read, eventIds)]);
  const missing = eventIds.filter((id) => !done.has(id));
  if (missing.length === 0) return undefined;
  const stillParked = parked.filter((r) => !done.has(r.id));
  const message =
    stillParked.length > 0
      ? `${stillParked.length} of the write's events were parked as dead letters: the read models include them once they are re-driven`
      : `the read models do not include the write yet (waited ${waitedMs} ms); retry, or ask sync-status how far behind the pipeline is`;
  return new AppError(503, 'not_yet_consistent', message, {
    waitedMs,
    missing,
    parked: stillParked.map((r) => ({ eventId: r.id, reason: r.reason })),
  });
}
