import { fork } from 'node:child_process';

/**
 * The bench's helpers (the floor's replication client, the broker tap, each baseline relay) run
 * in processes of their own, so the load generator's event loop cannot delay them. One protocol
 * for all: the parent forks the helper with its settings as JSON; the helper says 'ready'; on
 * 'stop' it finishes and answers once with its result, then exits.
 */
export async function startHelper<Result>(file: string, settings: unknown, name: string) {
  const child = fork(file, [JSON.stringify(settings)], { execArgv: ['--import', 'tsx'] });
  await new Promise<void>((resolve, reject) => {
    child.once('message', () => resolve());
    child.once('exit', (code) => reject(new Error(`${name} exited (${code})`)));
  });
  return {
    stop: () =>
      new Promise<Result>((resolve, reject) => {
        if (child.exitCode !== null || child.signalCode !== null)
          return reject(new Error(`${name} exited (${child.exitCode ?? child.signalCode}) before it was stopped`));
        child.once('message', (message) => resolve(message as Result));
        child.once('exit', (code) => reject(new Error(`${name} exited (${code}) before answering`)));
        // A helper that died since (a Ctrl-C reaches it too) fails the stop, not the whole process.
        child.send('stop', (err) => err && reject(new Error(`${name} cannot be stopped: ${err.message}`)));
      }),
  };
}

/** The helper's side: says 'ready', and on 'stop' sends what `finish` returns, then exits. */
export function serveUntilStopped(finish: () => Promise<unknown>): void {
  process.send!('ready');
  process.on('message', (message) => {
    if (message !== 'stop') return;
    void finish().then((result) => process.send!(result, () => process.exit(0)));
  });
}
