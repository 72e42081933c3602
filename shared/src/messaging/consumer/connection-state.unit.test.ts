import { describe, expect, it } from 'vitest';
import { random } from '../../../../tests/support/random.ts';
import { backoffMs, connectionStep, startConnecting } from './connection-state.ts';
import type { ConnectionEffect, ConnectionEvent, ConnectionState } from './connection-state.ts';

const MAX_DELAY_MS = 5_000;

/** Runs `events` from `state`; returns the states passed and every effect, in order. */
function run(state: ConnectionState, events: ConnectionEvent['type'][], addresses = 1) {
  const states: string[] = [];
  const effects: ConnectionEffect[] = [];
  for (const type of events) {
    const step = connectionStep(state, { type }, MAX_DELAY_MS, addresses);
    state = step.state;
    states.push(state.name);
    effects.push(...step.effects);
  }
  return { state, states, effects };
}

const waits = (effects: ConnectionEffect[]) => effects.flatMap((e) => (e.kind === 'wait' ? [e.delayMs] : []));

describe('backoffMs', () => {
  it('doubles from 200 ms and never passes the maximum delay', () => {
    expect([0, 1, 2, 3, 4, 5, 10, 100].map((n) => backoffMs(n, MAX_DELAY_MS))).toEqual([
      200, 400, 800, 1600, 3200, 5000, 5000, 5000,
    ]);
  });
});

describe('broker connection protocol, by case', () => {
  it('starts by connecting, and consumes once connected', () => {
    const start = startConnecting();
    expect(start.effects).toEqual([{ kind: 'connect', address: 0 }]);
    const { state, effects } = run(start.state, ['connected']);
    expect(state).toEqual({ name: 'consuming', address: 0 });
    expect(effects).toEqual([{ kind: 'report-consuming' }]);
  });

  it('a lost connection drops its shards, then waits 200 ms; failed connects wait longer each time, up to the maximum; a connect resets the backoff', () => {
    const failedReconnects = Array.from({ length: 6 }, () => ['retry-due', 'connect-failed'] as const).flat();
    const { effects, states } = run({ name: 'consuming', address: 0 }, [
      'connection-closed',
      ...failedReconnects,
      'retry-due',
      'connected',
      'connection-closed',
    ]);
    expect(effects.slice(0, 2)).toEqual([{ kind: 'lose-shards' }, { kind: 'wait', delayMs: 200, reason: 'connection closed' }]);
    expect(waits(effects)).toEqual([200, 400, 800, 1600, 3200, 5000, 5000, 200]);
    expect(states.at(-2)).toBe('consuming');
    expect(states.at(-1)).toBe('waiting');
  });

  it('a connection closed while connecting drops the shards opened so far; the failing connect then waits', () => {
    const { state, effects } = run({ name: 'connecting', attempt: 2, address: 0 }, ['connection-closed', 'connect-failed']);
    expect(state).toEqual({ name: 'waiting', attempt: 3, address: 0 });
    expect(effects).toEqual([{ kind: 'lose-shards' }, { kind: 'wait', delayMs: 800, reason: 'connect failed' }]);
  });

  it('stop while consuming: the shards finish their batch in hand, then the connection closes; nothing reconnects', () => {
    const { state, effects } = run({ name: 'consuming', address: 0 }, ['stop', 'connection-closed', 'retry-due']);
    expect(state).toEqual({ name: 'stopped' });
    expect(effects).toEqual([{ kind: 'stop-shards' }, { kind: 'close-connection' }]);
  });

  it('stop during backoff cancels the reconnect', () => {
    const { state, effects } = run({ name: 'waiting', attempt: 4, address: 0 }, ['stop', 'retry-due']);
    expect(state).toEqual({ name: 'stopped' });
    expect(effects).toEqual([{ kind: 'cancel-wait' }]);
  });

  it('stop during connect stops the shards opened so far, and closes what the connect opens', () => {
    const opened = run({ name: 'connecting', attempt: 0, address: 0 }, ['stop', 'connected']);
    expect(opened.states).toEqual(['stopping', 'stopped']);
    expect(opened.effects).toEqual([{ kind: 'stop-shards' }, { kind: 'close-connection' }]);
    const failed = run({ name: 'connecting', attempt: 0, address: 0 }, ['stop', 'connection-closed', 'connect-failed']);
    expect(failed.states).toEqual(['stopping', 'stopping', 'stopped']);
    expect(failed.effects).toEqual([{ kind: 'stop-shards' }]);
  });
});

describe('broker connection protocol with several broker addresses (a cluster)', () => {
  const connects = (effects: ConnectionEffect[]) => effects.flatMap((e) => (e.kind === 'connect' ? [e.address] : []));

  it('a lost connection reconnects to the next address after the first short wait', () => {
    const { state, effects } = run({ name: 'consuming', address: 1 }, ['connection-closed', 'retry-due', 'connected'], 3);
    expect(effects).toEqual([
      { kind: 'lose-shards' },
      { kind: 'wait', delayMs: 200, reason: 'connection closed' },
      { kind: 'connect', address: 2 },
      { kind: 'report-consuming' },
    ]);
    expect(state).toEqual({ name: 'consuming', address: 2 });
  });

  it('failed connects go round the addresses in order, from the first, and wrap around', () => {
    const start = startConnecting();
    const failures = Array.from({ length: 4 }, () => ['connect-failed', 'retry-due'] as const).flat();
    const { state, effects } = run(start.state, [...failures, 'connected'], 3);
    expect([...connects(start.effects), ...connects(effects)]).toEqual([0, 1, 2, 0, 1]);
    expect(state).toEqual({ name: 'consuming', address: 1 });
  });

  it('with one address every connect is to it', () => {
    const { effects } = run(
      { name: 'consuming', address: 0 },
      ['connection-closed', 'retry-due', 'connect-failed', 'retry-due'],
      1,
    );
    expect(connects(effects)).toEqual([0, 0]);
  });
});

describe('broker connection protocol under a randomized schedule of events (seeded)', () => {
  /**
   * A driver that only sends what can happen: a connect in flight ends connected or failed, a
   * pending wait fires, an open (or opening) connection closes, stop comes at any time (more than
   * once too). Checks the protocol's promises after every step.
   */
  function schedule(seed: number) {
    const rnd = random(seed);
    const addresses = 1 + (seed % 3);
    let { state, effects } = startConnecting();
    let lastAddress = 0;
    let connecting = true;
    let waiting = false;
    let connectionOpen = false;
    let waitsInARow = 0;
    let stopAt: number | undefined;
    for (let i = 0; i < 200 && state.name !== 'stopped'; i++) {
      const possible: ConnectionEvent['type'][] = ['stop'];
      if (connecting) possible.push('connected', 'connect-failed');
      if (waiting) possible.push('retry-due');
      if (connectionOpen || connecting) possible.push('connection-closed');
      const type = possible[rnd.int(0, possible.length - 1)]!;
      if (type === 'stop' && rnd.next() < 0.8) continue; // stop is rare, so schedules get long
      const context = `seed ${seed}, step ${i}: ${state.name} + ${type}`;
      const step = connectionStep(state, { type }, MAX_DELAY_MS, addresses);
      if (type === 'connected' || type === 'connect-failed') connecting = false;
      if (type === 'connected') connectionOpen = state.name === 'connecting';
      if (type === 'connection-closed') connectionOpen = false;
      if (type === 'retry-due') waiting = false;
      if (type === 'stop') stopAt ??= i;
      for (const effect of step.effects) {
        if (effect.kind === 'connect') {
          expect(connecting || waiting, `${context}: one attempt at a time`).toBe(false);
          expect(stopAt, `${context}: no connect after stop`).toBeUndefined();
          // Every reconnect is to the address after the last one tried: round robin over them all.
          expect(effect.address, `${context}: the next address`).toBe((lastAddress + 1) % addresses);
          lastAddress = effect.address;
          connecting = true;
        }
        if (effect.kind === 'wait') {
          expect(waiting || connecting, `${context}: one reconnect at a time`).toBe(false);
          expect(effect.delayMs, context).toBe(backoffMs(waitsInARow, MAX_DELAY_MS));
          expect(effect.delayMs, context).toBeLessThanOrEqual(MAX_DELAY_MS);
          waitsInARow += 1;
          waiting = true;
        }
        if (effect.kind === 'report-consuming') waitsInARow = 0;
        if (effect.kind === 'cancel-wait') waiting = false;
        if (effect.kind === 'close-connection') connectionOpen = false;
      }
      state = step.state;
      effects = step.effects;
      // Something is always under way until stopped: a connect, a wait, or an open connection.
      if (state.name !== 'stopped') expect(connecting || waiting || connectionOpen, context).toBe(true);
      expect(state.name === 'consuming', context).toBe(connectionOpen && !connecting && !waiting && stopAt === undefined);
      if (stopAt !== undefined) expect(['stopping', 'stopped'], context).toContain(state.name);
    }
    return { state, effects, connecting, connectionOpen, waiting, stopped: stopAt !== undefined };
  }

  it('one connect or wait at a time, backoff as promised, nothing after stop, and stopped once the connect in flight ends', () => {
    for (let seed = 1; seed <= 300; seed++) {
      const end = schedule(seed);
      if (!end.stopped) continue;
      const context = `seed ${seed}`;
      expect(end.waiting, context).toBe(false);
      if (end.connecting) {
        // The connect in flight ends; either way nothing stays open.
        const step = connectionStep(end.state, { type: 'connected' }, MAX_DELAY_MS, 1 + (seed % 3));
        expect(step.state, context).toEqual({ name: 'stopped' });
        expect(step.effects, context).toEqual([{ kind: 'close-connection' }]);
      } else {
        expect(end.state, context).toEqual({ name: 'stopped' });
        expect(end.connectionOpen, context).toBe(false);
      }
    }
  });
});
