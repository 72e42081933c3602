import { describe, expect, it } from 'vitest';
import { random } from '../../../tests/support/random.ts';
import {
  initialLease,
  LEASE_POLL_MS,
  leaseStep,
  mayRunJvm,
  type LeaseAction,
  type LeaseEvent,
  type LeaseState,
} from './debezium-lease.ts';

/** Runs `events` from `state`; returns the last state, the kinds passed and every action. */
function run(state: LeaseState, events: LeaseEvent[]) {
  const kinds: string[] = [];
  const actions: LeaseAction[] = [];
  for (const event of events) {
    const step = leaseStep(state, event);
    state = step.state;
    kinds.push(state.kind);
    actions.push(...step.actions);
  }
  return { state, kinds, actions };
}

const e = {
  granted: { type: 'lockGranted' },
  denied: { type: 'lockDenied' },
  recorded: { type: 'leaseRecorded' },
  started: (pid = 42) => ({ type: 'jvmStarted', pid }),
  exited: (code = 1) => ({ type: 'jvmExited', code }),
  lost: { type: 'sessionLost' },
  stop: { type: 'stopRequested' },
} as const satisfies Record<string, LeaseEvent | ((...args: never[]) => LeaseEvent)>;

describe('the slot lease, by case', () => {
  it('waits polling the lock; once granted records the lease, then starts the JVM', () => {
    expect(initialLease().actions).toEqual([{ type: 'tryLock', afterMs: 0 }]);
    const { state, kinds, actions } = run({ kind: 'waiting' }, [e.denied, e.denied, e.granted, e.recorded, e.started(7)]);
    expect(kinds).toEqual(['waiting', 'waiting', 'holding', 'holding', 'running']);
    expect(state).toEqual({ kind: 'running', jvmPid: 7 });
    expect(actions).toEqual([
      { type: 'tryLock', afterMs: LEASE_POLL_MS },
      { type: 'tryLock', afterMs: LEASE_POLL_MS },
      { type: 'recordLease' },
      { type: 'spawnJvm' },
    ]);
  });

  it('a JVM that exits ends the holder with its exit code, releasing the lock', () => {
    const { state, actions } = run({ kind: 'running', jvmPid: 7 }, [e.exited(3)]);
    expect(state).toEqual({ kind: 'released', exitCode: 3 });
    expect(actions).toEqual([{ type: 'release', exitCode: 3 }]);
  });

  it('a session lost while the JVM runs kills the JVM at once (another holder may have the lock now)', () => {
    const { state, actions } = run({ kind: 'running', jvmPid: 7 }, [e.lost, e.exited(137)]);
    expect(actions).toEqual([
      { type: 'signalJvm', signal: 'SIGKILL' },
      { type: 'release', exitCode: 137 },
    ]);
    expect(state).toEqual({ kind: 'released', exitCode: 137 });
  });

  it('a stop asks the JVM to stop, kills it when asked again, and releases once it exited', () => {
    const { actions } = run({ kind: 'running', jvmPid: 7 }, [e.stop, e.stop, e.exited(0)]);
    expect(actions).toEqual([
      { type: 'signalJvm', signal: 'SIGTERM' },
      { type: 'signalJvm', signal: 'SIGKILL' },
      { type: 'release', exitCode: 0 },
    ]);
  });

  it('a session lost before the JVM started goes back to waiting on a new session; a stop while waiting ends at once', () => {
    expect(run({ kind: 'holding' }, [e.lost]).actions).toEqual([{ type: 'dropSession' }, { type: 'tryLock', afterMs: 1_000 }]);
    expect(run({ kind: 'waiting' }, [e.lost]).state).toEqual({ kind: 'waiting' });
    expect(run({ kind: 'waiting' }, [e.stop]).actions).toEqual([{ type: 'release', exitCode: 0 }]);
  });

  it('a JVM that could not start at all ends the holder with a failure', () => {
    expect(run({ kind: 'holding' }, [e.recorded, e.exited(0)]).state).toEqual({ kind: 'released', exitCode: 1 });
  });

  it('a released holder does nothing more', () => {
    const events = [e.granted, e.denied, e.recorded, e.started(), e.exited(), e.lost, e.stop];
    expect(run({ kind: 'released', exitCode: 0 }, events).actions).toEqual([]);
  });
});

/**
 * Two instances and a simulated Postgres: one advisory lock, which a session holds until it
 * ends. As in the driver (debezium-holder.ts), dropping the session, signalling and spawning the
 * JVM happen at once, while taking the lock, recording the lease and releasing wait their turn
 * (a newer tryLock replaces a pending one: the driver's one timer). Holders take turns at random,
 * while JVMs crash, sessions are lost and stops are asked for at random; a released holder is
 * restarted (the supervisor).
 */
class Simulation {
  lockOwner: number | undefined;
  private sessionAlive = [false, false];
  states: LeaseState[] = [];
  private queues: LeaseAction[][] = [[], []];
  jvmAlive = [false, false];
  /** Steps at which a JVM was alive while its holder did not hold the lock, and no SIGKILL was sent. */
  unfencedSteps = 0;
  private killed = [false, false];
  spawnsWithoutLock = 0;
  spawns = 0;

  constructor(private readonly rnd: ReturnType<typeof random>) {
    for (const h of [0, 1]) this.startHolder(h);
  }

  private startHolder(h: number) {
    const first = initialLease();
    this.states[h] = first.state;
    this.queues[h] = [];
    this.perform(h, first.actions);
  }

  private dispatch(h: number, event: LeaseEvent) {
    const before = this.states[h]!;
    const step = leaseStep(before, event);
    if (before.kind === 'released') expect(step.actions).toEqual([]);
    // A session lost while a JVM may run: the JVM is killed in the same step.
    if (event.type === 'sessionLost' && mayRunJvm(before)) {
      expect(step.actions).toContainEqual({ type: 'signalJvm', signal: 'SIGKILL' });
    }
    this.states[h] = step.state;
    this.perform(h, step.actions);
  }

  private endSession(h: number) {
    this.sessionAlive[h] = false;
    if (this.lockOwner === h) this.lockOwner = undefined;
  }

  private perform(h: number, actions: LeaseAction[]) {
    for (const action of actions) {
      switch (action.type) {
        case 'dropSession':
          this.endSession(h);
          break;
        case 'signalJvm':
          if (action.signal === 'SIGKILL') this.killed[h] = true;
          break;
        case 'spawnJvm':
          this.spawns++;
          if (this.lockOwner !== h) this.spawnsWithoutLock++;
          this.jvmAlive[h] = true;
          this.killed[h] = false;
          this.dispatch(h, { type: 'jvmStarted', pid: 100 + h });
          break;
        case 'tryLock':
          this.queues[h] = [...this.queues[h]!.filter((a) => a.type !== 'tryLock'), action];
          break;
        default:
          this.queues[h]!.push(action);
      }
    }
  }

  private carryOut(h: number, action: LeaseAction) {
    switch (action.type) {
      case 'tryLock':
        this.sessionAlive[h] = true;
        if (this.lockOwner === undefined) this.lockOwner = h;
        return this.dispatch(h, { type: this.lockOwner === h ? 'lockGranted' : 'lockDenied' });
      case 'recordLease':
        return this.dispatch(h, this.sessionAlive[h] ? { type: 'leaseRecorded' } : { type: 'sessionLost' });
      case 'release':
        this.endSession(h);
        return this.startHolder(h);
      default:
        throw new Error(`${action.type} is carried out at once`);
    }
  }

  /** One step: a holder's next action carried out, a JVM exiting, or a fault. */
  step() {
    const roll = this.rnd.next();
    const h = this.rnd.int(0, 1);
    if (roll < 0.04) {
      if (this.sessionAlive[h]) {
        this.endSession(h);
        this.dispatch(h, { type: 'sessionLost' });
      }
    } else if (roll < 0.07) {
      this.dispatch(h, { type: 'stopRequested' });
    } else if (roll < 0.12) {
      this.exitJvm(h);
    } else {
      const next = this.queues[h]!.shift();
      if (next) this.carryOut(h, next);
    }
    // A killed JVM is gone by the next step; one asked to stop may take a few.
    for (const k of [0, 1]) if (this.killed[k] && this.jvmAlive[k] && this.rnd.next() < 0.5) this.exitJvm(k);
    for (const k of [0, 1]) if (this.jvmAlive[k] && this.lockOwner !== k && !this.killed[k]) this.unfencedSteps++;
  }

  private exitJvm(h: number) {
    if (!this.jvmAlive[h]) return;
    this.jvmAlive[h] = false;
    this.dispatch(h, { type: 'jvmExited', code: this.rnd.int(0, 2) });
  }
}

describe('the slot lease, seeded random schedules of two instances', () => {
  for (const seed of [1, 2, 3, 4, 5, 6, 7, 8, 25, 2026]) {
    it(`seed ${seed}: a JVM starts only under the lock, one whose lease is lost is killed at once, never two running`, () => {
      const sim = new Simulation(random(seed));
      for (let i = 0; i < 5_000; i++) {
        sim.step();
        expect(sim.states.filter((s) => s.kind === 'running').length).toBeLessThanOrEqual(1);
      }
      expect(sim.spawnsWithoutLock).toBe(0);
      expect(sim.unfencedSteps).toBe(0);
      // The schedule did exercise take-overs.
      expect(sim.spawns).toBeGreaterThan(20);
    });
  }
});
