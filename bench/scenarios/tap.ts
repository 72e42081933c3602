import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { rabbitUrl } from '@shop/shared/config';
import type { BenchContext } from '../context.ts';

const CLIENT = fileURLToPath(new URL('./tap-client.ts', import.meta.url));

/** Starts the broker tap (tap-client.ts); `stop()` returns each event's arrival time, in arrival order. */
export async function startTap(ctx: BenchContext) {
  const settings = { url: rabbitUrl(ctx.stack), exchange: ctx.stack.EVENTS_EXCHANGE, queue: 'bench.tap' };
  const client = fork(CLIENT, [JSON.stringify(settings)], { execArgv: ['--import', 'tsx'] });
  await new Promise<void>((resolve, reject) => {
    client.once('message', () => resolve());
    client.once('exit', (code) => reject(new Error(`tap exited (${code})`)));
  });
  return {
    stop: async (): Promise<[string, number][]> =>
      new Promise((resolve) => {
        client.once('message', (message) => resolve(message as [string, number][]));
        client.send('stop');
      }),
  };
}
