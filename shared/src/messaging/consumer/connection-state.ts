/**
 * The broker connection's protocol, as states and pure transitions; consumer.ts is the driver
 * that opens connections, keeps timers and stops shards as the effects say.
 *
 * The broker may be a cluster, reached at several addresses (RABBITMQ_ADDRESSES): `address` is the
 * index of the one connected to or tried. The first connect tries the first address; a connect
 * that fails, and a connection that is lost, move on to the next (round robin), so a projector
 * whose node died is back on a live node after one short wait.
 *
 * connecting: a connection is being opened (connection, dead-letter channel, topology, one
 * channel per shard). consuming: it is open and every shard is consumed. waiting: it was lost
 * or could not be opened; a reconnect is due after a backoff that doubles with each attempt in a
 * row, up to the maximum delay. stopping: stop came during a connect; what that connect opens is
 * closed. stopped: nothing is consumed any more, and nothing reconnects.
 */
export type ConnectionState =
  | { name: 'connecting'; attempt: number; address: number }
  | { name: 'consuming'; address: number }
  | { name: 'waiting'; attempt: number; address: number }
  | { name: 'stopping' }
  | { name: 'stopped' };

export type ConnectionEvent =
  | { type: 'connected' }
  | { type: 'connect-failed' }
  /** The connection being opened or consumed closed (broker restart, network, a channel it needed). */
  | { type: 'connection-closed' }
  /** The reconnect timer fired. */
  | { type: 'retry-due' }
  | { type: 'stop' };

/** What the driver does, in order; `stop-shards` finishes each shard's batch in hand before the connection closes. */
export type ConnectionEffect =
  | { kind: 'connect'; address: number }
  | { kind: 'report-consuming' }
  | { kind: 'wait'; delayMs: number; reason: string }
  | { kind: 'cancel-wait' }
  /** The connection is gone: so are its shard channels, and the deliveries they held are back with the broker. */
  | { kind: 'lose-shards' }
  | { kind: 'stop-shards' }
  | { kind: 'close-connection' };

export interface ConnectionStep {
  state: ConnectionState;
  effects: ConnectionEffect[];
}

/** Pause before retry number `attempt` (0-based) of something that failed: 200 ms, doubling, at most `maxDelayMs`. */
export function backoffMs(attempt: number, maxDelayMs: number): number {
  return Math.min(maxDelayMs, 200 * 2 ** Math.min(attempt, 16));
}

export function startConnecting(): ConnectionStep {
  return { state: { name: 'connecting', attempt: 0, address: 0 }, effects: [{ kind: 'connect', address: 0 }] };
}

/**
 * One transition; pure. An event that means nothing in a state leaves it as it is. `addresses`:
 * how many the broker has (1 when it is a single node).
 */
export function connectionStep(
  state: ConnectionState,
  event: ConnectionEvent,
  maxDelayMs: number,
  addresses = 1,
): ConnectionStep {
  const stay = { state, effects: [] };
  // After a failure the next address is tried: the one that failed may be a node that is down.
  const wait = (attempt: number, from: number, reason: string): ConnectionStep => ({
    state: { name: 'waiting', attempt: attempt + 1, address: (from + 1) % addresses },
    effects: [{ kind: 'wait', delayMs: backoffMs(attempt, maxDelayMs), reason }],
  });
  switch (state.name) {
    case 'connecting':
      if (event.type === 'connected')
        return { state: { name: 'consuming', address: state.address }, effects: [{ kind: 'report-consuming' }] };
      if (event.type === 'connect-failed') return wait(state.attempt, state.address, 'connect failed');
      // The connect in flight fails on the closed connection: the wait starts from there.
      if (event.type === 'connection-closed') return { state, effects: [{ kind: 'lose-shards' }] };
      if (event.type === 'stop') return { state: { name: 'stopping' }, effects: [{ kind: 'stop-shards' }] };
      return stay;
    case 'consuming':
      if (event.type === 'connection-closed') {
        const step = wait(0, state.address, 'connection closed');
        return { state: step.state, effects: [{ kind: 'lose-shards' }, ...step.effects] };
      }
      if (event.type === 'stop')
        return { state: { name: 'stopped' }, effects: [{ kind: 'stop-shards' }, { kind: 'close-connection' }] };
      return stay;
    case 'waiting':
      if (event.type === 'retry-due')
        return {
          state: { name: 'connecting', attempt: state.attempt, address: state.address },
          effects: [{ kind: 'connect', address: state.address }],
        };
      if (event.type === 'stop') return { state: { name: 'stopped' }, effects: [{ kind: 'cancel-wait' }] };
      return stay;
    case 'stopping':
      if (event.type === 'connected') return { state: { name: 'stopped' }, effects: [{ kind: 'close-connection' }] };
      if (event.type === 'connect-failed') return { state: { name: 'stopped' }, effects: [] };
      return stay;
    case 'stopped':
      return stay;
  }
}
