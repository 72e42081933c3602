import { fileURLToPath } from 'node:url';
import { postgresUrl, rabbitUrl } from '@shop/shared/config';
import type { BenchContext } from '../context.ts';
import { startHelper } from '../helper-process.ts';
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
  const relay = await startHelper<{ published: number }>(RELAY, settings, `relay ${mode}`);
  return { stop: async (): Promise<number> => (await relay.stop()).published };
}
