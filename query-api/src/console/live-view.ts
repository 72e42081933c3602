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
  projectors: ProjectorView[];
  /** The newest rebuild and reconcile, with their progress. */
  operations: Partial<Record<OperationKind, Operation>>;
  history: Series;
  /** No admin token configured: the page offers no actions. */
  readOnly: boolean;
}

export type Reading = Omit<ConsoleSnapshot, 'at' | 'history' | 'readOnly'>;
type Listener = (snapshot: ConsoleSnapshot) => void;

/**
 * The console's live view: one reading of the pipeline every `refreshMs`, shared by every open
 * console, taken only while at least one is open (an idle query API reads nothing). A reading
 * that takes longer than the interval delays the next one instead of piling up.
 */
export class LiveView {
  private readonly history: History;
  private readonly listeners = new Set<Listener>();
  private timer: NodeJS.Timeout | undefined;
  private last: ConsoleSnapshot | undefined;
  private inFlight: Promise<ConsoleSnapshot> | undefined;

  constructor(
    private readonly read: () => Promise<Reading>,
    private readonly options: { refreshMs: number; windowMs: number; readOnly: boolean },
  ) {
    this.history = new History(options.windowMs);
  }

  /** Calls `listener` with each new snapshot (the latest at once); returns the unsubscribe. */
  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    if (this.last) listener(this.last);
    if (!this.timer) this.schedule(0);
    return () => {
      this.listeners.delete(listener);
      if (this.listeners.size === 0) this.stop();
    };
  }

  /** The newest snapshot if it is fresh, else a new reading. */
  async snapshot(): Promise<ConsoleSnapshot> {
    if (this.last && Date.now() - Date.parse(this.last.at) < this.options.refreshMs) return this.last;
    return this.takeReading();
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

  private takeReading(): Promise<ConsoleSnapshot> {
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
        const snapshot = { at: at.toISOString(), ...reading, history: this.history.series(), readOnly: this.options.readOnly };
        this.last = snapshot;
        for (const listener of this.listeners) listener(snapshot);
        return snapshot;
      })
      .finally(() => (this.inFlight = undefined));
    return this.inFlight;
  }
}
