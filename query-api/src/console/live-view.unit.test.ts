import { describe, expect, it, vi } from 'vitest';
import { LiveView, TooManySubscribers, type Reading } from './live-view.ts';

/** A reading whose status counts how often it is turned into JSON. */
function countingReading(count: { serialised: number }): Reading {
  const status = { lagSeconds: 0, eventsBehind: 0, projector: { processed: 1 }, debezium: { lagBytes: 0 } };
  const toJSON = () => {
    count.serialised += 1;
    return status;
  };
  return {
    status: { ...status, toJSON },
    queues: { shards: [], deadLetters: { queue: 'dlq', ready: 0, consumers: 0 } },
    projectors: [],
    operations: {},
  } as unknown as Reading;
}

const options = { refreshMs: 60_000, windowMs: 60_000, readOnly: true, maxSubscribers: 10 };

describe('LiveView', () => {
  it('serialises each snapshot once, however many consoles are open', async () => {
    const count = { serialised: 0 };
    const live = new LiveView(async () => countingReading(count), options);
    const received: unknown[][] = [[], [], []];
    const stops = received.map((into) => live.subscribe((event) => into.push(event)));
    await vi.waitFor(() => expect(received.every((r) => r.length === 1)).toBe(true));
    expect(count.serialised).toBe(1);
    const event = received[0]![0];
    expect(event).toMatch(/^data: \{.*\}\n\n$/s);
    for (const r of received) expect(r).toEqual([event]);
    // A console opened later (right after subscribe returns), and the snapshot endpoint, get the
    // same text at once.
    const late: unknown[] = [];
    stops.push(live.subscribe((e) => late.push(e)));
    await Promise.resolve();
    expect(late).toEqual([event]);
    expect(`data: ${await live.snapshot()}\n\n`).toBe(event);
    expect(count.serialised).toBe(1);
    for (const stop of stops) stop();
  });

  it('refuses a subscriber past its cap, and takes one again once a console closes', () => {
    const live = new LiveView(async () => countingReading({ serialised: 0 }), { ...options, maxSubscribers: 2 });
    const first = live.subscribe(() => undefined);
    const second = live.subscribe(() => undefined);
    expect(() => live.subscribe(() => undefined)).toThrow(TooManySubscribers);
    first();
    const third = live.subscribe(() => undefined);
    second();
    third();
    live.stop();
  });
});
