import { fileURLToPath } from 'node:url';
import { rabbitUrl } from '@shop/shared/config';
import type { BenchContext } from '../context.ts';
import { startHelper } from '../helper-process.ts';

const CLIENT = fileURLToPath(new URL('./tap-client.ts', import.meta.url));

/** Starts the broker tap (tap-client.ts); `stop()` returns each event's arrival time, in arrival order. */
export async function startTap(ctx: BenchContext) {
  const settings = { url: rabbitUrl(ctx.stack), exchange: ctx.stack.EVENTS_EXCHANGE, queue: 'bench.tap' };
  return startHelper<[string, number][]>(CLIENT, settings, 'tap');
}
