import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { TooManyWaiters, Waiters } from './waiters.ts';
import { initialWatchState, isPolling, step, type WatchEffect, type WatchEvent, type WatchState } from './watch-state.ts';

/** Runs `events` from `state`; returns the last state and every effect, in order. */
function run(events: WatchEvent[], state: WatchState = initialWatchState) {
  const effects: WatchEffect[] = [];
  for (const event of events) {
    const next = step(state, event);
    state = next.state;
    effects.push(...next.effects);
  }
  return { state, effects };
}

const listening = run([{ type: 'start' }, { type: 'connected', attempt: 1, waiting: 0 }]).state;

describe('the applied-watch protocol: the LISTEN link', () => {
  it('connects on start, then checks everything once it listens', () => {
    expect(step(initialWatchState, { type: 'start' }).effects).toEqual([{ type: 'connect', attempt: 1 }]);
    const connected = run([{ type: 'start' }, { type: 'connected', attempt: 1, waiting: 2 }]);
    expect(connected.state).toEqual({ link: { phase: 'listening', attempt: 1 }, lookup: 'running' });
    expect(connected.effects.at(-1)).toEqual({ type: 'look up' });
  });

  it('on a loss: warns, polls, reconnects a moment later, and stops polling once it listens again', () => {
    const down = step(listening, { type: 'lost', attempt: 1 });
    expect(down.state.link).toEqual({ phase: 'down', attempt: 1 });
    expect(down.effects).toEqual([
      { type: 'warn lost', err: undefined },
      { type: 'close', attempt: 1 },
      { type: 'start polling' },
      { type: 'reconnect later' },
    ]);
    const again = run([{ type: 'reconnect due' }, { type: 'connected', attempt: 2, waiting: 1 }], down.state);
    expect(again.state.link).toEqual({ phase: 'listening', attempt: 2 });
    expect(again.effects).toEqual([{ type: 'connect', attempt: 2 }, { type: 'stop polling' }, { type: 'look up' }]);
  });

  it('a failed first connect polls too, without a warning (nothing was heard yet)', () => {
    const failed = run([{ type: 'start' }, { type: 'lost', attempt: 1, err: new Error('refused') }]);
    expect(failed.state.link.phase).toBe('down');
    expect(failed.effects.map((e) => e.type)).toEqual(['connect', 'close', 'start polling', 'reconnect later']);
  });

  it('ignores what a superseded attempt reports, and closes one that connects late', () => {
    const reconnecting = run([{ type: 'lost', attempt: 1 }, { type: 'reconnect due' }], listening).state;
    expect(step(reconnecting, { type: 'lost', attempt: 1 })).toEqual({ state: reconnecting, effects: [] });
    expect(step(reconnecting, { type: 'connected', attempt: 1, waiting: 0 })).toEqual({
      state: reconnecting,
      effects: [{ type: 'close', attempt: 1 }],
    });
    // A second report of the same loss changes nothing either (the error, then the end event).
    const down = step(listening, { type: 'lost', attempt: 1 }).state;
    expect(step(down, { type: 'lost', attempt: 1 }).effects).toEqual([]);
  });

  it('stops from every phase, undoing what that phase holds, and stays stopped', () => {
    const phases: [WatchEvent[], WatchEffect[]][] = [
      [[{ type: 'start' }], [{ type: 'close', attempt: 1 }]],
      [[{ type: 'start' }, { type: 'connected', attempt: 1, waiting: 0 }], [{ type: 'close', attempt: 1 }]],
      [
        [{ type: 'start' }, { type: 'lost', attempt: 1 }],
        [{ type: 'stop polling' }, { type: 'cancel reconnect' }],
      ],
      [
        [{ type: 'start' }, { type: 'lost', attempt: 1 }, { type: 'reconnect due' }],
        [{ type: 'stop polling' }, { type: 'close', attempt: 2 }],
      ],
    ];
    for (const [before, undo] of phases) {
      const stopped = step(run(before).state, { type: 'stop' });
      expect(stopped.effects).toEqual(undo);
      expect(stopped.state.link).toEqual({ phase: 'stopped' });
      expect(run([{ type: 'start' }, { type: 'reconnect due' }, { type: 'stop' }], stopped.state).effects).toEqual([]);
    }
  });
});

describe('the applied-watch protocol: lookups', () => {
  it('looks up only while someone waits, one lookup at a time, checks asked for meanwhile folded into one more', () => {
    expect(step(listening, { type: 'check', waiting: 0 }).effects).toEqual([]);
    const folded = run(
      [
        { type: 'check', waiting: 1 },
        { type: 'check', waiting: 2 },
        { type: 'check', waiting: 2 },
      ],
      listening,
    );
    expect(folded.effects).toEqual([{ type: 'look up' }]);
    expect(folded.state.lookup).toBe('running again');
    const more = step(folded.state, { type: 'lookup done', waiting: 1 });
    expect(more).toEqual({ state: { ...folded.state, lookup: 'running' }, effects: [{ type: 'look up' }] });
    expect(step(more.state, { type: 'lookup done', waiting: 1 }).state.lookup).toBe('idle');
    // Everyone was answered meanwhile: the one more is not needed.
    expect(step(folded.state, { type: 'lookup done', waiting: 0 }).state.lookup).toBe('idle');
  });
});

/**
 * A random schedule of what the world does to the watch (notifications, connections lost and
 * made, reconnect and poll timers, waiters added, aborted and timed out, lookups ending, stop),
 * with the effects carried out on a model of the driver's resources. After every step the
 * resources must match the state: polling exactly while down or reconnecting, a reconnect timer
 * exactly while down, one lookup at most and only while the state says one runs, no client but
 * the current attempt's, nothing left after stop; and no check asked for while someone waits is
 * lost.
 */
describe('the applied-watch protocol under a seeded random schedule', () => {
  const actions = [
    'notification',
    'fallback tick',
    'connection lost',
    'stale client ends',
    'connect succeeds',
    'connect fails',
    'reconnect timer',
    'waiter added',
    'waiter aborted',
    'waiter timed out',
    'lookup ends',
    'stop',
  ] as const;
  type Action = (typeof actions)[number];

  it('keeps the resources in step with the state', () => {
    fc.assert(
      fc.property(fc.array(fc.record({ action: fc.constantFrom(...actions), pick: fc.nat() }), { maxLength: 150 }), (schedule) =>
        simulate(schedule),
      ),
      { seed: 24_05, numRuns: 400 },
    );
  });

  function simulate(schedule: { action: Action; pick: number }[]): void {
    const world = new World(4);
    world.dispatch({ type: 'start' });
    for (const { action, pick } of schedule) {
      world.act(action, pick);
      world.checkInvariants();
    }
    world.dispatch({ type: 'stop' });
    world.checkInvariants();
    expect(world.open.size).toBe(0);
  }
});

/** The driver's resources, as a model: what the effects open, start and close. */
class World {
  state = initialWatchState;
  readonly waiters: Waiters;
  readonly handles: { end(outcome: 'timed out' | 'abandoned'): void }[] = [];
  /** Attempts whose client is not closed; those whose connect has not ended yet. */
  readonly open = new Set<number>();
  readonly connecting = new Set<number>();
  /** Clients closed, whose end event is still to come (it reports a loss of their attempt). */
  readonly closed: number[] = [];
  polling = false;
  reconnectPending = false;
  lookups = 0;
  lastWasCheck = false;
  /** A check came, someone waiting, while a lookup ran: one more lookup is owed after it. */
  owed = false;
  nextId = 0;

  constructor(private readonly maxWaiters: number) {
    this.waiters = new Waiters(maxWaiters);
  }

  dispatch(event: WatchEvent): void {
    if (event.type === 'check' && event.waiting > 0 && this.lookups === 1) this.owed = true;
    if (event.type === 'lookup done' && event.waiting === 0) this.owed = false;
    const { state, effects } = step(this.state, event);
    this.state = state;
    effects.forEach((effect) => this.perform(effect));
    this.lastWasCheck = event.type === 'check';
  }

  act(action: string, pick: number): void {
    const check = () => this.dispatch({ type: 'check', waiting: this.waiters.size });
    const one = <T>(items: Iterable<T>) => [...items][pick % Math.max(1, [...items].length)];
    switch (action) {
      case 'notification':
        return check();
      case 'fallback tick':
        return this.polling ? check() : undefined;
      case 'connection lost':
        return this.lose(one(this.open), new Error('terminated'));
      case 'stale client ends':
        return this.lose(this.closed.shift());
      case 'connect succeeds':
      case 'connect fails': {
        const attempt = one(this.connecting);
        if (attempt === undefined) return;
        this.connecting.delete(attempt);
        if (action === 'connect fails') return this.lose(attempt, new Error('refused'));
        return this.dispatch({ type: 'connected', attempt, waiting: this.waiters.size });
      }
      case 'reconnect timer':
        if (!this.reconnectPending) return;
        this.reconnectPending = false;
        return this.dispatch({ type: 'reconnect due' });
      case 'waiter added':
        return this.addWaiter(pick, check);
      case 'waiter aborted':
      case 'waiter timed out':
        return one(this.handles)?.end(action === 'waiter aborted' ? 'abandoned' : 'timed out');
      case 'lookup ends':
        return this.endLookup(pick);
      case 'stop':
        return this.dispatch({ type: 'stop' });
    }
  }

  private lose(attempt: number | undefined, err?: Error): void {
    if (attempt !== undefined) this.dispatch({ type: 'lost', attempt, err });
  }

  private addWaiter(pick: number, check: () => void): void {
    const ids = Array.from({ length: 1 + (pick % 3) }, () => `e${this.nextId++}`);
    try {
      this.handles.push(this.waiters.add(ids));
    } catch (err) {
      expect(err).toBeInstanceOf(TooManyWaiters);
      expect(this.waiters.size).toBe(this.maxWaiters);
      return;
    }
    check();
  }

  private endLookup(pick: number): void {
    if (this.lookups === 0) return;
    this.lookups = 0;
    const wanted = this.waiters.missingIds(5_000);
    this.waiters.applied(new Set(wanted.filter((_, i) => (pick >> (i % 30)) & 1)));
    this.dispatch({ type: 'lookup done', waiting: this.waiters.size });
  }

  private perform(effect: WatchEffect): void {
    switch (effect.type) {
      case 'connect':
        expect(this.open.has(effect.attempt)).toBe(false);
        this.open.add(effect.attempt);
        this.connecting.add(effect.attempt);
        return;
      case 'close':
        if (this.open.delete(effect.attempt)) this.closed.push(effect.attempt);
        this.connecting.delete(effect.attempt);
        return;
      case 'warn lost':
        return;
      case 'start polling':
      case 'stop polling':
        expect(this.polling).toBe(effect.type === 'stop polling');
        this.polling = effect.type === 'start polling';
        return;
      case 'reconnect later':
      case 'cancel reconnect':
        expect(this.reconnectPending).toBe(effect.type === 'cancel reconnect');
        this.reconnectPending = effect.type === 'reconnect later';
        return;
      case 'look up':
        expect(this.lookups).toBe(0);
        this.lookups = 1;
        this.owed = false;
        return;
    }
  }

  checkInvariants(): void {
    const { link, lookup } = this.state;
    expect(this.polling).toBe(isPolling(link));
    expect(this.reconnectPending).toBe(link.phase === 'down');
    expect(this.lookups).toBe(lookup === 'idle' ? 0 : 1);
    expect(this.waiters.size).toBeLessThanOrEqual(this.maxWaiters);
    const live = link.phase === 'connecting' || link.phase === 'listening' || link.phase === 'reconnecting';
    expect([...this.open]).toEqual(live ? [link.attempt] : []);
    if (link.phase === 'listening') expect(this.connecting.size).toBe(0);
    // A check while someone waits is never dropped: a lookup runs that started after it, or one more is due.
    if (this.lastWasCheck && this.waiters.size > 0) expect(lookup).not.toBe('idle');
    if (this.owed) expect(lookup).toBe('running again');
  }
}
