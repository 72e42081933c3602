/**
 * Runs `task` now and then every `everyMs`, one run at a time (a tick while a run is going is
 * skipped); a failed run goes to `onError` and the next tick tries again. `stop` clears the timer
 * and waits for a run in progress. The timer never keeps the process alive.
 */
export function startPeriodic(
  task: () => Promise<void>,
  opts: { everyMs: number; onError: (err: unknown) => void },
): { stop(): Promise<void> } {
  let running: Promise<void> | undefined;
  const run = () => {
    running ??= task()
      .catch(opts.onError)
      .finally(() => (running = undefined));
  };
  run();
  const timer = setInterval(run, opts.everyMs);
  timer.unref();
  return {
    stop: async () => {
      clearInterval(timer);
      await running;
    },
  };
}
