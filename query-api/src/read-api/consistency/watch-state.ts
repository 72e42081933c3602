/**
 * The applied-watch's protocol (applied-watch.ts does its I/O), as data and pure transitions. Two
 * parts that move independently:
 *
 * The LISTEN link. Each connection attempt has a number; what a superseded attempt reports is
 * ignored (its client is only closed).
 *
 *   connecting   --connected--> listening
 *   connecting   --lost-------> down
 *   listening    --lost-------> down            (warns: notifications were missed)
 *   down         --reconnect--> reconnecting    (a second after the loss)
 *   reconnecting --connected--> listening
 *   reconnecting --lost-------> down
 *   any          --stop-------> stopped
 *
 * While down or reconnecting, the waiting requests are polled (one shared check every
 * FALLBACK_CHECK_MS); on connecting, everything is checked once, since notifications were missed.
 *
 * The lookup of the ids waited for: one at a time, a check asked for during one folded into one
 * more after it, none while nobody waits.
 *
 *   idle          --check, someone waits--> running        (starts a lookup)
 *   running       --check, someone waits--> running again  (one more after this one)
 *   running       --done-------------------> idle
 *   running again --done, someone waits----> running        (starts the one more)
 *   running again --done, nobody waits-----> idle
 */

export type Link =
  { phase: 'idle' } | { phase: 'connecting' | 'listening' | 'down' | 'reconnecting'; attempt: number } | { phase: 'stopped' };

export type Lookup = 'idle' | 'running' | 'running again';

export interface WatchState {
  link: Link;
  lookup: Lookup;
}

export const initialWatchState: WatchState = { link: { phase: 'idle' }, lookup: 'idle' };

/** What happens to the watch; `waiting` is how many requests wait at that moment. */
export type WatchEvent =
  | { type: 'start' }
  | { type: 'connected'; attempt: number; waiting: number }
  | { type: 'lost'; attempt: number; err?: unknown }
  | { type: 'reconnect due' }
  /** A request started waiting, a notification came, or the fallback poll ticked. */
  | { type: 'check'; waiting: number }
  | { type: 'lookup done'; waiting: number }
  | { type: 'stop' };

/** What the driver does for a transition, in order. */
export type WatchEffect =
  | { type: 'connect'; attempt: number }
  | { type: 'close'; attempt: number }
  | { type: 'warn lost'; err?: unknown }
  | { type: 'start polling' }
  | { type: 'stop polling' }
  | { type: 'reconnect later' }
  | { type: 'cancel reconnect' }
  | { type: 'look up' };

export interface Transition {
  state: WatchState;
  effects: WatchEffect[];
}

/** Down or reconnecting: notifications may be missed, so the waiting requests are polled. */
export const isPolling = (link: Link): boolean => link.phase === 'down' || link.phase === 'reconnecting';

const attemptOf = (link: Link): number | undefined => ('attempt' in link ? link.attempt : undefined);

export function step(state: WatchState, event: WatchEvent): Transition {
  switch (event.type) {
    case 'start':
      return state.link.phase === 'idle'
        ? to(state, { phase: 'connecting', attempt: 1 }, [{ type: 'connect', attempt: 1 }])
        : same(state);
    case 'connected':
      return connected(state, event.attempt, event.waiting);
    case 'lost':
      return lost(state, event.attempt, event.err);
    case 'reconnect due': {
      if (state.link.phase !== 'down') return same(state);
      const attempt = state.link.attempt + 1;
      return to(state, { phase: 'reconnecting', attempt }, [{ type: 'connect', attempt }]);
    }
    case 'check':
      return check(state, event.waiting);
    case 'lookup done':
      return lookupDone(state, event.waiting);
    case 'stop':
      return stop(state);
  }
}

function connected(state: WatchState, attempt: number, waiting: number): Transition {
  const { link } = state;
  const current = (link.phase === 'connecting' || link.phase === 'reconnecting') && link.attempt === attempt;
  // Connected after it was superseded, or after stop: that client is not ours any more.
  if (!current) return { state, effects: [{ type: 'close', attempt }] };
  const listening = to(state, { phase: 'listening', attempt }, isPolling(link) ? [{ type: 'stop polling' }] : []);
  // Notifications may have been missed while it was down.
  return then(listening, (s) => check(s, waiting));
}

function lost(state: WatchState, attempt: number, err: unknown): Transition {
  const { link } = state;
  const live = link.phase === 'connecting' || link.phase === 'listening' || link.phase === 'reconnecting';
  if (!live || link.attempt !== attempt) return same(state);
  const effects: WatchEffect[] = [];
  if (link.phase === 'listening') effects.push({ type: 'warn lost', err });
  effects.push({ type: 'close', attempt });
  if (!isPolling(link)) effects.push({ type: 'start polling' });
  effects.push({ type: 'reconnect later' });
  return to(state, { phase: 'down', attempt }, effects);
}

function stop(state: WatchState): Transition {
  const { link } = state;
  if (link.phase === 'stopped') return same(state);
  const effects: WatchEffect[] = [];
  if (isPolling(link)) effects.push({ type: 'stop polling' });
  if (link.phase === 'down') effects.push({ type: 'cancel reconnect' });
  const attempt = attemptOf(link);
  if (attempt !== undefined && link.phase !== 'down') effects.push({ type: 'close', attempt });
  return to(state, { phase: 'stopped' }, effects);
}

function check(state: WatchState, waiting: number): Transition {
  if (waiting === 0) return same(state);
  if (state.lookup === 'idle') return { state: { ...state, lookup: 'running' }, effects: [{ type: 'look up' }] };
  return { state: { ...state, lookup: 'running again' }, effects: [] };
}

function lookupDone(state: WatchState, waiting: number): Transition {
  const idle = { ...state, lookup: 'idle' as const };
  return state.lookup === 'running again' ? check(idle, waiting) : same(idle);
}

const same = (state: WatchState): Transition => ({ state, effects: [] });

const to = (state: WatchState, link: Link, effects: WatchEffect[]): Transition => ({ state: { ...state, link }, effects });

function then(first: Transition, next: (state: WatchState) => Transition): Transition {
  const second = next(first.state);
  return { state: second.state, effects: [...first.effects, ...second.effects] };
}
