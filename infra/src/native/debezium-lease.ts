/**
 * The lease of Debezium's replication slot, as states and pure transitions (the driver, which
 * does the I/O, is debezium-holder.ts).
 *
 * Each Debezium instance is run by a lease holder: a small process that logs in to the write
 * database as Debezium's role and polls a session-level advisory lock whose key comes from the
 * slot's name. Only with the lock does it record itself in `debezium_lease` and start its JVM.
 * When the JVM exits, the holder releases the lock by ending its session and exits too: the
 * stack's supervisor restarts it (with its crash-loop backoff), and meanwhile the other instance,
 * which polls every LEASE_POLL_MS, takes the lock. When the holder dies (kill -9), Postgres ends
 * its session and frees the lock at once, and its JVM, started under `setpriv --pdeathsig KILL`,
 * dies with it.
 *
 * What keeps two JVMs from streaming the slot and writing its offsets at once:
 * 1. the advisory lock: a JVM runs only while its holder's session holds it; a holder that loses
 *    its session (the database restarted, the backend was terminated, the network is gone) kills
 *    its JVM at once, since another holder may already have the lock;
 * 2. the slot itself: Postgres lets one walsender at a time use a replication slot; a second one is
 *    refused ("replication slot ... is active for PID ...") until the first has ended. So a JVM that
 *    outlives its lease for a moment streams nothing more, and the offsets it may still commit are
 *    of records it read, and the broker confirmed, before the other JVM started: an older offset
 *    means duplicates (the projector's inbox absorbs them), never a skipped event.
 */

export const LEASE_POLL_MS = 250;
/** After its session is lost while waiting, a holder logs in again this much later. */
export const RECONNECT_MS = 1_000;

export type LeaseState =
  | { kind: 'waiting' }
  /** The lock is held; the lease is being recorded, the JVM not started yet. */
  | { kind: 'holding' }
  | { kind: 'running'; jvmPid: number }
  /** The JVM was told to stop (a stop was asked for, or the lease was lost); waiting for its exit. */
  | { kind: 'stopping'; jvmPid: number }
  /** Final: the session is closed (the lock with it) and the holder exits with `exitCode`. */
  | { kind: 'released'; exitCode: number };

export type LeaseEvent =
  | { type: 'lockGranted' }
  | { type: 'lockDenied' }
  | { type: 'leaseRecorded' }
  | { type: 'jvmStarted'; pid: number }
  | { type: 'jvmExited'; code: number }
  /** The session (and so the lock, if held) is gone, or could not be opened. */
  | { type: 'sessionLost' }
  /** SIGTERM or SIGINT: `npm stop`, or the stack stopping this instance. */
  | { type: 'stopRequested' };

export type LeaseAction =
  /** Try the lock after `afterMs`, logging in first if there is no session. */
  | { type: 'tryLock'; afterMs: number }
  /** Forget the session (it is broken): the next tryLock opens a new one. */
  | { type: 'dropSession' }
  | { type: 'recordLease' }
  | { type: 'spawnJvm' }
  | { type: 'signalJvm'; signal: 'SIGTERM' | 'SIGKILL' }
  /** Delete the lease row if still ours, end the session (freeing the lock) and exit. */
  | { type: 'release'; exitCode: number };

export interface LeaseStep {
  state: LeaseState;
  actions: LeaseAction[];
}

export const initialLease = (): LeaseStep => ({ state: { kind: 'waiting' }, actions: [{ type: 'tryLock', afterMs: 0 }] });

const stay = (state: LeaseState): LeaseStep => ({ state, actions: [] });
const release = (exitCode: number): LeaseStep => ({
  state: { kind: 'released', exitCode },
  actions: [{ type: 'release', exitCode }],
});

/** The next state and what to do, for one event. Events that do not apply to a state change nothing. */
export function leaseStep(state: LeaseState, event: LeaseEvent): LeaseStep {
  switch (state.kind) {
    case 'waiting':
      return fromWaiting(event);
    case 'holding':
      return fromHolding(event);
    case 'running':
      return fromRunning(state, event);
    case 'stopping':
      return fromStopping(state, event);
    case 'released':
      return stay(state);
  }
}

function fromWaiting(event: LeaseEvent): LeaseStep {
  const waiting: LeaseState = { kind: 'waiting' };
  switch (event.type) {
    case 'lockGranted':
      return { state: { kind: 'holding' }, actions: [{ type: 'recordLease' }] };
    case 'lockDenied':
      return { state: waiting, actions: [{ type: 'tryLock', afterMs: LEASE_POLL_MS }] };
    case 'sessionLost':
      return { state: waiting, actions: [{ type: 'dropSession' }, { type: 'tryLock', afterMs: RECONNECT_MS }] };
    case 'stopRequested':
      return release(0);
    default:
      return stay(waiting);
  }
}

function fromHolding(event: LeaseEvent): LeaseStep {
  switch (event.type) {
    case 'leaseRecorded':
      return { state: { kind: 'holding' }, actions: [{ type: 'spawnJvm' }] };
    case 'jvmStarted':
      return stay({ kind: 'running', jvmPid: event.pid });
    // The JVM could not be started at all: the same as a JVM that died.
    case 'jvmExited':
      return release(event.code === 0 ? 1 : event.code);
    // Nothing was started under the lock: wait for it again.
    case 'sessionLost':
      return { state: { kind: 'waiting' }, actions: [{ type: 'dropSession' }, { type: 'tryLock', afterMs: RECONNECT_MS }] };
    case 'stopRequested':
      return release(0);
    default:
      return stay({ kind: 'holding' });
  }
}

function fromRunning(state: Extract<LeaseState, { kind: 'running' }>, event: LeaseEvent): LeaseStep {
  switch (event.type) {
    // The instance ends with its JVM: the supervisor restarts the holder, which waits its turn.
    case 'jvmExited':
      return release(event.code);
    // Fence 1: another holder may take the lock now, so this JVM stops at once.
    case 'sessionLost':
      return { state: { kind: 'stopping', jvmPid: state.jvmPid }, actions: [{ type: 'signalJvm', signal: 'SIGKILL' }] };
    case 'stopRequested':
      return { state: { kind: 'stopping', jvmPid: state.jvmPid }, actions: [{ type: 'signalJvm', signal: 'SIGTERM' }] };
    default:
      return stay(state);
  }
}

function fromStopping(state: Extract<LeaseState, { kind: 'stopping' }>, event: LeaseEvent): LeaseStep {
  switch (event.type) {
    case 'jvmExited':
      return release(event.code);
    // Asked again, or the lease is lost meanwhile: no more grace.
    case 'sessionLost':
    case 'stopRequested':
      return { state, actions: [{ type: 'signalJvm', signal: 'SIGKILL' }] };
    default:
      return stay(state);
  }
}

/** True in the states where a JVM of this holder may be alive. */
export const mayRunJvm = (state: LeaseState): boolean => state.kind === 'running' || state.kind === 'stopping';
