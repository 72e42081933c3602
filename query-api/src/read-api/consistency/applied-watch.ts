import pg from 'pg';
import { appliedAmong } from '@shop/shared/read-side';
import { APPLIED_CHANNEL } from '@shop/shared/consistency';
import type { Logger } from '@shop/shared/log';
import { Waiters, type WaitOutcome } from './waiters.ts';
import { initialWatchState, step, type WatchEffect, type WatchEvent, type WatchState } from './watch-state.ts';

/** Ids looked up per query (a waiting request names at most 200; each gets its share, waiters.ts). */
const LOOKUP_LIMIT = 5_000;
/** While the LISTEN connection is down, waiting requests are checked this often (one query for all). */
const FALLBACK_CHECK_MS = 500;
/** How long after losing the LISTEN connection it connects again. */
const RECONNECT_MS = 1_000;

/**
 * Waits for events to be applied to the read models without a loop per waiting request: one
 * LISTEN connection hears the projector's notification at each batch commit (APPLIED_CHANNEL),
 * and each notification triggers one lookup of every id still waited for; notifications that
 * arrive during a lookup are folded into one more. A request is also checked at once when it
 * starts waiting (its write may be applied already). If the LISTEN connection is lost, it
 * reconnects (and checks everything, since notifications were missed) and, while it is down,
 * checks the waiting requests every FALLBACK_CHECK_MS: a shared check, only while some wait.
 * At most `maxWaiters` requests wait at once (waitUntilApplied throws TooManyWaiters past it).
 *
 * The protocol (its states and transitions) is watch-state.ts; this class only does its I/O: the
 * LISTEN connections, the timers and the lookups.
 */
export class AppliedWatch {
  private readonly waiters: Waiters;
  private state: WatchState = initialWatchState;
  /** The LISTEN client of each connection attempt not closed yet. */
  private readonly clients = new Map<number, pg.Client>();
  private checking: Promise<void> | undefined;
  private fallback: NodeJS.Timeout | undefined;
  private reconnect: NodeJS.Timeout | undefined;

  constructor(
    private readonly read: pg.Pool,
    private readonly listenUrl: string,
    private readonly log: Logger,
    options: { maxWaiters: number },
  ) {
    this.waiters = new Waiters(options.maxWaiters);
  }

  async start(): Promise<void> {
    await Promise.all(this.dispatch({ type: 'start' }));
  }

  /**
   * Resolves once every event is applied, or when `timeoutMs` passes, or when `signal` aborts.
   * Throws TooManyWaiters when `maxWaiters` requests wait already.
   */
  async waitUntilApplied(eventIds: readonly string[], timeoutMs: number, signal?: AbortSignal): Promise<WaitOutcome> {
    const { outcome, end } = this.waiters.add(eventIds);
    const timer = setTimeout(() => end('timed out'), timeoutMs);
    const abandon = () => end('abandoned');
    signal?.addEventListener('abort', abandon, { once: true });
    this.check();
    try {
      return await outcome;
    } finally {
      clearTimeout(timer);
      signal?.removeEventListener('abort', abandon);
    }
  }

  async stop(): Promise<void> {
    await Promise.all(this.dispatch({ type: 'stop' }));
    await this.checking;
  }

  private check(): void {
    this.dispatch({ type: 'check', waiting: this.waiters.size });
  }

  /** Moves the protocol on; returns what its effects still do (connecting, closing). */
  private dispatch(event: WatchEvent): Promise<void>[] {
    const { state, effects } = step(this.state, event);
    this.state = state;
    return effects.flatMap((effect) => this.perform(effect) ?? []);
  }

  private perform(effect: WatchEffect): Promise<void> | undefined {
    switch (effect.type) {
      case 'connect':
        return this.connect(effect.attempt);
      case 'close':
        return this.close(effect.attempt);
      case 'warn lost':
        this.log.warn({ err: effect.err }, 'consistency LISTEN connection lost; reconnecting');
        return;
      case 'start polling':
        this.fallback = setInterval(() => this.check(), FALLBACK_CHECK_MS).unref();
        return;
      case 'stop polling':
        clearInterval(this.fallback);
        return;
      case 'reconnect later':
        this.reconnect = setTimeout(() => void this.dispatch({ type: 'reconnect due' }), RECONNECT_MS).unref();
        return;
      case 'cancel reconnect':
        clearTimeout(this.reconnect);
        return;
      case 'look up':
        this.lookUp();
        return;
    }
  }

  /** One lookup of every waited-for id (the protocol allows one at a time). */
  private lookUp(): void {
    this.checking = this.lookUpOnce()
      .catch((err: unknown) => this.log.warn({ err }, 'consistency check failed; checking again at the next notification'))
      .finally(() => {
        this.checking = undefined;
        this.dispatch({ type: 'lookup done', waiting: this.waiters.size });
      });
  }

  private async lookUpOnce(): Promise<void> {
    const ids = this.waiters.missingIds(LOOKUP_LIMIT);
    if (ids.length === 0) return;
    this.waiters.applied(await appliedAmong(this.read, ids));
  }

  private async connect(attempt: number): Promise<void> {
    const client = new pg.Client({ connectionString: this.listenUrl, application_name: 'query-api consistency' });
    this.clients.set(attempt, client);
    client.on('notification', () => this.check());
    client.on('error', (err) => void this.dispatch({ type: 'lost', attempt, err }));
    client.on('end', () => void this.dispatch({ type: 'lost', attempt }));
    try {
      await client.connect();
      // A channel name cannot be a parameter; this one is a constant of ours.
      await client.query(`LISTEN ${APPLIED_CHANNEL}`);
    } catch (err) {
      this.dispatch({ type: 'lost', attempt, err });
      return;
    }
    this.dispatch({ type: 'connected', attempt, waiting: this.waiters.size });
  }

  private async close(attempt: number): Promise<void> {
    const client = this.clients.get(attempt);
    this.clients.delete(attempt);
    await client?.end().catch(() => undefined);
  }
}
