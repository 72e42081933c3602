import type { Operation, OperationKind } from '@shop/shared/operations';
import type { SyncStatus } from '../lag/schemas.ts';
import { History, type Series } from './history.ts';
import type { ProjectorView } from './projectors.ts';
import type { QueueDepths } from './queues.ts';

/** Everything the console shows at one moment, plus the charts' history. */
export interface ConsoleSnapshot {
  at: string;
  status: SyncStatus;
  queues: QueueDepths;
  /** The notifier's shard queues and dead-letter queue (its lag and missing are in `status.notifier`). */
  notifierQueues: QueueDepths;
  projectors: ProjectorView[];
  /** The newest rebuild and reconcile, with their progress. */
  operations: Partial<Record<OperationKind, Operation>>;
  history: Series;
  /** No admin token configured: the page offers no actions. */
  readOnly: boolean;
}

export type Reading = Omit<ConsoleSnapshot, 'at' | 'history' | 'readOnly'>;
/** Gets each snapshot as a server-sent event, `data: <snapshot JSON>\n\n`. */
type Listener = (event: string) => void;

/** A snapshot serialised once, for every console: its JSON and its server-sent event. */
interface Published {
  at: number;
  json: string;
  event: string;
}

/** Every place is taken: a console more would be one stream, and one write per reading, more. */
export class TooManySubscribers extends Error {
  constructor(max: number) {
    super(`${max} consoles are open already, the most served at once (CONSOLE_MAX_SUBSCRIBERS): try again later`);
    this.name = 'TooManySubscribers';
  }
}

/**
 * The console's live view: one reading of the pipeline every `refreshMs`, shared by every open
 * console, taken only while at least one is open (an idle query API reads nothing), and turned
 * into JSON once for all of them. A reading that takes longer than the interval delays the next
 * one instead of piling up. At most `maxSubscribers` consoles at once.
 */
export class LiveView {
  private readonly history: History;
  private readonly listeners = new Set<Listener>();
  private timer: NodeJS.Timeout | undefined;
  private last: Published | undefined;
  private inFlight: Promise<Published> | undefined;

  constructor(
    private readonly read: () => Promise<Reading>,
    private readonly options: { refreshMs: number; windowMs: number; readOnly: boolean; maxSubscribers: number },
  ) {
    this.history = new History(options.windowMs);
  }

  /**
   * Calls `listener` with each new snapshot; returns the unsubscribe. The latest snapshot comes
   * right after this returns, so the caller can answer its response head first. Throws
   * TooManySubscribers when every place is taken.
   */
  subscribe(listener: Listener): () => void {
    if (this.listeners.size >= this.options.maxSubscribers) throw new TooManySubscribers(this.options.maxSubscribers);
    this.listeners.add(listener);
    queueMicrotask(() => {
      if (this.last && this.listeners.has(listener)) listener(this.last.event);
    });
    if (!this.timer) this.schedule(0);
    return () => {
      this.listeners.delete(listener);
      if (this.listeners.size === 0) this.stop();
    };
  }

  /** The newest snapshot's JSON if it is fresh, else a new reading's. */
  async snapshot(): Promise<string> {
    if (this.last && Date.now() - this.last.at < this.options.refreshMs) return this.last.json;
    return (await this.takeReading()).json;
  }

  stop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  private schedule(delayMs: number): void {
    this.timer = setTimeout(() => {
      void this.takeReading()
        .catch(() => undefined)
        .finally(() => {
          if (this.listeners.size > 0) this.schedule(this.options.refreshMs);
          else this.timer = undefined;
        });
    }, delayMs);
  }

  private takeReading(): Promise<Published> {
    this.inFlight ??= this.read()
      .then((reading) => {
        const at = new Date();
        this.history.add({
          at: at.getTime(),
          lagSeconds: reading.status.lagSeconds,
          eventsBehind: reading.status.eventsBehind,
          processed: reading.status.projector.processed,
          slotLagBytes: reading.status.debezium.lagBytes,
        });
        const snapshot: ConsoleSnapshot = {
          at: at.toISOString(),
          ...reading,
          history: this.history.series(),
          readOnly: this.options.readOnly,
        };
        const json = JSON.stringify(snapshot);
        const published = { at: at.getTime(), json, event: `data: ${json}\n\n` };
        this.last = published;
        for (const listener of this.listeners) listener(published.event);
        return published;
      })
      .finally(() => (this.inFlight = undefined));
    return this.inFlight;
  }
}
