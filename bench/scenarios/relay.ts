import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { postgresUrl, rabbitUrl } from '@shop/shared/config';
import type { BenchContext } from '../context.ts';
import type { RelayMode, RelaySettings } from '../relays/main.ts';

const RELAY = fileURLToPath(new URL('../relays/main.ts', import.meta.url));

/**
 * Starts one of the baseline relays (bench/relays) in its own process, publishing to the same
 * exchange in Debezium's format so the same projector consumes it. Debezium must be stopped
 * first. `stop()` returns how many events the relay published.
 */
export async function startRelay(ctx: BenchContext, mode: RelayMode) {
  const settings: RelaySettings = {
    mode,
    writeUrl: postgresUrl(ctx.stack, ctx.stack.WRITE_DB_NAME),
    amqpUrl: rabbitUrl(ctx.stack),
    exchange: ctx.stack.EVENTS_EXCHANGE,
  };
  const child = fork(RELAY, [JSON.stringify(settings)], { execArgv: ['--import', 'tsx'] });
  await new Promise<void>((resolve, reject) => {
    child.once('message', () => resolve());
    child.once('exit', (code) => reject(new Error(`relay ${mode} exited (${code})`)));
  });
  return {
    stop: async (): Promise<number> => {
      const reply = await new Promise<{ published: number }>((resolve, reject) => {
        child.once('message', (message) => resolve(message as { published: number }));
        child.once('exit', (code) => reject(new Error(`relay ${mode} exited (${code}) before answering`)));
        child.send('stop');
      });
      return reply.published;
    },
  };
}
