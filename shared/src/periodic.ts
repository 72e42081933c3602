/**
 * The protocol of a periodic task: a task that runs every N ms, one run at a time, plus runs
 * requested now by a caller who waits for their result. The states and transitions are pure
 * (`periodicStep`); `startPeriodic` is the driver that owns the timer and the promises.
 *
 * idle: nothing runs. running: a run is going; `queued` are runs requested meanwhile, started in
 * order after it (a tick while running is skipped, a request is not). stopping: stop was asked
 * while a run was going; the queued requests still run (their callers wait for them), then
 * stopped. stopped: nothing runs any more; a request is refused.
 */
export type PeriodicState<R> =
  { name: 'idle' } | { name: 'running'; queued: readonly R[] } | { name: 'stopping'; queued: readonly R[] } | { name: 'stopped' };

export type PeriodicEvent<R> = { type: 'tick' } | { type: 'request'; request: R } | { type: 'run-ended' } | { type: 'stop' };

export interface PeriodicStep<R> {
  state: PeriodicState<R>;
  /** The run to start now: the periodic task, or a requested one. */
  start?: { kind: 'task' } | { kind: 'request'; request: R };
  /** A request that will never run: the runner is stopping or stopped. */
  refused?: R;
}

/** One transition; pure. A failed run ends like any other (`run-ended`): the next tick tries again. */
export function periodicStep<R>(state: PeriodicState<R>, event: PeriodicEvent<R>): PeriodicStep<R> {
  switch (event.type) {
    case 'tick':
      return state.name === 'idle' ? { state: { name: 'running', queued: [] }, start: { kind: 'task' } } : { state };
    case 'request':
      if (state.name === 'idle')
        return { state: { name: 'running', queued: [] }, start: { kind: 'request', request: event.request } };
      if (state.name === 'running') return { state: { name: 'running', queued: [...state.queued, event.request] } };
      return { state, refused: event.request };
    case 'run-ended':
      return runEnded(state);
    case 'stop':
      if (state.name === 'idle') return { state: { name: 'stopped' } };
      if (state.name === 'running') return { state: { name: 'stopping', queued: state.queued } };
      return { state };
  }
}

function runEnded<R>(state: PeriodicState<R>): PeriodicStep<R> {
  if (state.name !== 'running' && state.name !== 'stopping') return { state };
  const [next, ...rest] = state.queued;
  if (next !== undefined) return { state: { name: state.name, queued: rest }, start: { kind: 'request', request: next } };
  return { state: { name: state.name === 'running' ? 'idle' : 'stopped' } };
}

export interface Periodic {
  /**
   * Runs `task` now, or right after the run in progress and the runs requested before it (runs
   * never overlap); resolves or rejects with its outcome, which does not go to onError. Rejects
   * once the runner is stopping.
   */
  runNow<T>(task: () => Promise<T>): Promise<T>;
  /** Clears the timer and waits for the run in progress (and the runs requested before stop). */
  stop(): Promise<void>;
}

export interface PeriodicOptions {
  everyMs: number;
  onError: (err: unknown) => void;
  /** Whether the first run starts at once (the default) or at the first tick. */
  runAtStart?: boolean;
}

interface Request {
  run(): Promise<void>;
  refuse(): void;
}

/**
 * Runs `task` now (unless `runAtStart` is false) and then every `everyMs`, one run at a time (a
 * tick while a run is going is skipped); a failed run goes to `onError` and the next tick tries
 * again. `stop` clears the timer and waits for a run in progress. The timer never keeps the
 * process alive.
 */
export function startPeriodic(task: () => Promise<void>, opts: PeriodicOptions): Periodic {
  let state: PeriodicState<Request> = { name: 'idle' };
  let markStopped!: () => void;
  const stopped = new Promise<void>((resolve) => (markStopped = resolve));
  const dispatch = (event: PeriodicEvent<Request>) => {
    const step = periodicStep(state, event);
    state = step.state;
    step.refused?.refuse();
    if (step.start) {
      const run = step.start.kind === 'task' ? task().catch(opts.onError) : step.start.request.run();
      const ended = () => dispatch({ type: 'run-ended' });
      void run.then(ended, ended);
    }
    if (state.name === 'stopped') markStopped();
  };
  const timer = setInterval(() => dispatch({ type: 'tick' }), opts.everyMs);
  timer.unref();
  if (opts.runAtStart ?? true) dispatch({ type: 'tick' });
  return {
    runNow: <T>(requested: () => Promise<T>) =>
      new Promise<T>((resolve, reject) => {
        const run = () => requested().then(resolve, reject);
        dispatch({ type: 'request', request: { run, refuse: () => reject(new Error('periodic runner stopped')) } });
      }),
    stop: async () => {
      clearInterval(timer);
      dispatch({ type: 'stop' });
      await stopped;
    },
  };
}
