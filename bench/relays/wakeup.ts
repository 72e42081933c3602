/**
 * The LISTEN/NOTIFY relay's wait between passes. A notification that arrives while the relay is
 * draining (nobody waiting) is kept, so the next wait returns at once: otherwise the rows that
 * notification announced would wait for the safety poll.
 */
export class Wakeup {
  private pending = false;
  private waiter: (() => void) | undefined;

  notify(): void {
    if (this.waiter) this.waiter();
    else this.pending = true;
  }

  /** Resolves on a notification (one kept from before, or a new one) or after timeoutMs. */
  wait(timeoutMs: number): Promise<void> {
    if (this.pending) {
      this.pending = false;
      return Promise.resolve();
    }
    return new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.waiter = undefined;
        resolve();
      };
      const timer = setTimeout(done, timeoutMs);
      this.waiter = done;
    });
  }
}
