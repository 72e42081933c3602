/**
 * Group commit: one transaction at a time for every shard of this projector. A shard's batch that
 * arrives while a transaction is in flight waits, and every batch waiting when it ends goes into
 * the next transaction together.
 *
 * Why: live, each shard's batch is about one event, and eight shards committing eight tiny
 * transactions each paid every fixed cost per event (round trips, plans, the commit's WAL flush)
 * and queued on the rows they all update (hourly sales, category revenue, product sales). One
 * transaction for what all shards hold costs the same as one of theirs, and no two of this
 * projector's transactions ever wait on each other's row locks. Nothing lingers: a batch that
 * arrives with no transaction in flight starts one at once.
 *
 * States: `idle` (no transaction) and `committing` (one in flight, later batches waiting).
 * idle --submit--> committing; committing --submit--> committing (the batch waits);
 * committing --done, batches waiting--> committing (the next group); committing --done, none--> idle.
 *
 * A group that fails is split: each of its batches is committed again alone, so a batch that
 * cannot be applied fails only its own shard (which then finds the culprit event by event), and a
 * database outage fails each batch with its own error, as before.
 */
export type GroupCommitState = 'idle' | 'committing';

interface Waiting<T, R> {
  item: T;
  resolve: (result: R) => void;
  reject: (err: unknown) => void;
}

export class GroupCommit<T, R> {
  private current: GroupCommitState = 'idle';
  private waiting: Waiting<T, R>[] = [];

  /**
   * @param commit commits the items in one transaction, answering one result per item in order
   * @param maxWeight a group stops growing at this weight (at least one item per group)
   * @param weight an item's weight (events in a batch)
   */
  constructor(
    private readonly commit: (items: T[]) => Promise<R[]>,
    private readonly maxWeight: number,
    private readonly weight: (item: T) => number,
  ) {}

  get state(): GroupCommitState {
    return this.current;
  }

  /** Batches waiting for the transaction in flight. */
  get queued(): number {
    return this.waiting.length;
  }

  /** Commits the item with whatever else is waiting; resolves with its own result once committed. */
  submit(item: T): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.waiting.push({ item, resolve, reject });
      if (this.current === 'idle') void this.drain();
    });
  }

  private async drain(): Promise<void> {
    this.current = 'committing';
    while (this.waiting.length > 0) await this.commitGroup(this.nextGroup());
    this.current = 'idle';
  }

  /** The longest prefix of the waiting items within the weight (the first one always). */
  private nextGroup(): Waiting<T, R>[] {
    let total = 0;
    let n = 0;
    while (n < this.waiting.length) {
      total += this.weight(this.waiting[n]!.item);
      if (n > 0 && total > this.maxWeight) break;
      n++;
    }
    return this.waiting.splice(0, n);
  }

  private async commitGroup(group: Waiting<T, R>[]): Promise<void> {
    try {
      const results = await this.commit(group.map((w) => w.item));
      if (results.length !== group.length) throw new Error(`${results.length} results for a group of ${group.length}`);
      group.forEach((w, i) => w.resolve(results[i]!));
    } catch (err) {
      if (group.length === 1) return group[0]!.reject(err);
      for (const w of group) await this.commitGroup([w]);
    }
  }
}
