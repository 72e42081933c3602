import { fork } from 'node:child_process';

/**
 * The bench's helpers (the floors' replication clients, the broker tap, the catch-up baseline,
 * each baseline relay) run in processes of their own, so the load generator's event loop cannot
 * delay them. One protocol for all: the parent forks the helper with its settings as JSON; the
 * helper says 'ready'; it may report progress meanwhile (`{ progress }`, given to `onProgress`);
 * on 'stop' it finishes and answers once with its result, then exits.
 */
export async function startHelper<Result, Progress = never>(
  file: string,
  settings: unknown,
  name: string,
  onProgress: (progress: Progress) => void = () => undefined,
) {
  const child = fork(file, [JSON.stringify(settings)], { execArgv: ['--import', 'tsx'] });
  let answer: ((result: Result) => void) | undefined;
  await new Promise<void>((resolve, reject) => {
    child.on('message', (message) => {
      if (message === 'ready') return resolve();
      if (isProgress<Progress>(message)) return onProgress(message.progress);
      answer?.(message as Result);
    });
    child.once('exit', (code) => reject(new Error(`${name} exited (${code})`)));
  });
  return {
    pid: child.pid,
    /** A message for a helper that waits for one (the catch-up baseline's 'go'). */
    send: (message: string) => child.send(message),
    stop: () =>
      new Promise<Result>((resolve, reject) => {
        if (child.exitCode !== null || child.signalCode !== null)
          return reject(new Error(`${name} exited (${child.exitCode ?? child.signalCode}) before it was stopped`));
        answer = resolve;
        child.once('exit', (code) => reject(new Error(`${name} exited (${code}) before answering`)));
        // A helper that died since (a Ctrl-C reaches it too) fails the stop, not the whole process.
        child.send('stop', (err) => err && reject(new Error(`${name} cannot be stopped: ${err.message}`)));
      }),
  };
}

function isProgress<P>(message: unknown): message is { progress: P } {
  return typeof message === 'object' && message !== null && 'progress' in message;
}

/**
 * The helper's side: says 'ready', and on 'stop' sends what `finish` returns, then exits. A helper
 * whose parent is gone (the bench failed or was killed) exits too, so none outlives a run.
 */
export function serveUntilStopped(finish: () => Promise<unknown>): void {
  process.on('disconnect', () => process.exit(0));
  process.send!('ready');
  process.on('message', (message) => {
    if (message !== 'stop') return;
    void finish().then((result) => process.send!(result, () => process.exit(0)));
  });
}

/** The helper's side: a progress report for the parent's `onProgress`. */
export function reportProgress(progress: unknown): void {
  process.send!({ progress });
}
