import { streamSlot, type SlotSettings } from './slot-stream.ts';

/**
 * The receipt floor's replication client, in a process of its own so the load generator's event
 * loop cannot delay it: records when each OrderPlaced outbox row arrives and sends them back on 'stop'.
 */
const settings = JSON.parse(process.argv[2]!) as SlotSettings;
const arrivals: [string, number][] = [];
streamSlot(
  settings,
  (message) => {
    if (message.tag === 'insert' && message.relation?.name === 'outbox' && message.new?.type === 'OrderPlaced') {
      arrivals.push([String(message.new.id), Date.now()]);
    }
  },
  async () => arrivals,
);
