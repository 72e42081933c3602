import pg from 'pg';
import { appliedAmong } from '@shop/shared/read-side';
import { APPLIED_CHANNEL } from '@shop/shared/consistency';
import type { Logger } from '@shop/shared/log';
import { Waiters, type WaitOutcome } from './waiters.ts';

/** Ids looked up per query (a waiting request names at most 200; each gets its share, waiters.ts). */
const LOOKUP_LIMIT = 5_000;
/** While the LISTEN connection is down, waiting requests are checked this often (one query for all). */
const FALLBACK_CHECK_MS = 500;

/**
 * Waits for events to be applied to the read models without a loop per waiting request: one
 * LISTEN connection hears the projector's notification at each batch commit (APPLIED_CHANNEL),
 * and each notification triggers one lookup of every id still waited for; notifications that
 * arrive during a lookup are folded into one more. A request is also checked at once when it
 * starts waiting (its write may be applied already). If the LISTEN connection is lost, it
 * reconnects (and checks everything, since notifications were missed) and, while it is down,
 * checks the waiting requests every FALLBACK_CHECK_MS: a shared check, only while some wait.
 * At most `maxWaiters` requests wait at once (waitUntilApplied throws TooManyWaiters past it).
 */
export class AppliedWatch {
  private readonly waiters: Waiters;
  private listener: pg.Client | undefined;
  private checking: Promise<void> | undefined;
  private checkAgain = false;
  private fallback: NodeJS.Timeout | undefined;
  private reconnect: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(
    private readonly read: pg.Pool,
    private readonly listenUrl: string,
    private readonly log: Logger,
    options: { maxWaiters: number },
  ) {
    this.waiters = new Waiters(options.maxWaiters);
  }

  async start(): Promise<void> {
    await this.connect();
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
    this.stopped = true;
    clearInterval(this.fallback);
    clearTimeout(this.reconnect);
    await this.listener?.end().catch(() => undefined);
    await this.checking;
  }

  /** One lookup of every waited-for id; a call during a lookup asks for one more after it. */
  private check(): void {
    if (this.waiters.size === 0) return;
    if (this.checking) {
      this.checkAgain = true;
      return;
    }
    this.checking = this.lookUp()
      .catch((err: unknown) => this.log.warn({ err }, 'consistency check failed; checking again at the next notification'))
      .finally(() => {
        this.checking = undefined;
        if (this.checkAgain) {
          this.checkAgain = false;
          this.check();
        }
      });
  }

  private async lookUp(): Promise<void> {
    const ids = this.waiters.missingIds(LOOKUP_LIMIT);
    if (ids.length === 0) return;
    this.waiters.applied(await appliedAmong(this.read, ids));
  }

  private async connect(): Promise<void> {
    const client = new pg.Client({ connectionString: this.listenUrl, application_name: 'query-api consistency' });
    client.on('notification', () => this.check());
    client.on('error', (err) => this.lost(client, err));
    client.on('end', () => this.lost(client));
    try {
      await client.connect();
      // A channel name cannot be a parameter; this one is a constant of ours.
      await client.query(`LISTEN ${APPLIED_CHANNEL}`);
    } catch (err) {
      this.lost(client, err);
      return;
    }
    this.listener = client;
    clearInterval(this.fallback);
    this.fallback = undefined;
    this.check(); // notifications may have been missed while it was down
  }

  private lost(client: pg.Client, err?: unknown): void {
    if (this.stopped || (this.listener !== client && this.listener !== undefined)) return;
    if (this.listener === client) this.log.warn({ err }, 'consistency LISTEN connection lost; reconnecting');
    this.listener = undefined;
    client.end().catch(() => undefined);
    this.fallback ??= setInterval(() => this.check(), FALLBACK_CHECK_MS);
    this.fallback.unref();
    clearTimeout(this.reconnect);
    this.reconnect = setTimeout(() => void this.connect(), 1_000);
    this.reconnect.unref();
  }
}
