import { spawn, type ChildProcess } from 'node:child_process';
import pg from 'pg';
import type { Logger } from '@shop/shared/log';
import { initialLease, leaseStep, type LeaseAction, type LeaseEvent, type LeaseState } from './debezium-lease.ts';

/** What a holder needs: its instance's name, its login (Debezium's role) and the JVM's command line. */
export interface HolderOptions {
  instance: string;
  /** postgres:// URL of the write database, as Debezium's role. */
  writeUrl: string;
  slot: string;
  /** The JVM's command and arguments (debeziumLaunch), run under `setpriv --pdeathsig KILL`. */
  command: string;
  args: string[];
  /** The JVM's working folder. */
  cwd: string;
  log: Logger;
}

/**
 * While the JVM runs, the session is checked this often, and given this long to answer: a loss the
 * socket does not report (a network cut) must stop the JVM too. A closed session is seen at once
 * (the client's error or end event); the answer's bound is generous so a busy database is not
 * taken for a lost one.
 */
const SESSION_CHECK_MS = 5_000;
const SESSION_ANSWER_MS = 30_000;

/**
 * The application_name of a holder's session: the query API and `npm run status` find the waiting
 * instances by it (pg_stat_activity shows it to every role).
 */
export const holderApplicationName = (instance: string) => `debezium-lease:${instance}`;

/**
 * Runs one Debezium instance under the slot's lease (debezium-lease.ts says the rules): the driver
 * of the lease's states, doing the I/O each transition asks for. Resolves with the exit code.
 */
export function holdLease(options: HolderOptions): Promise<number> {
  return new Promise((resolve) => new Holder(options, resolve).start());
}

class Holder {
  private state: LeaseState = { kind: 'waiting' };
  private session: pg.Client | undefined;
  private jvm: ChildProcess | undefined;
  private timer: NodeJS.Timeout | undefined;
  private check: NodeJS.Timeout | undefined;

  constructor(
    private readonly options: HolderOptions,
    private readonly done: (exitCode: number) => void,
  ) {}

  start(): void {
    for (const signal of ['SIGTERM', 'SIGINT'] as const) process.on(signal, () => this.dispatch({ type: 'stopRequested' }));
    const first = initialLease();
    this.state = first.state;
    this.options.log.info({ instance: this.options.instance, slot: this.options.slot }, 'waiting for the slot lease');
    this.perform(first.actions);
  }

  private dispatch(event: LeaseEvent): void {
    const before = this.state;
    const step = leaseStep(before, event);
    this.state = step.state;
    if (step.state.kind !== before.kind)
      this.options.log.info({ event: event.type, from: before.kind, to: step.state.kind }, 'lease');
    this.perform(step.actions);
  }

  private perform(actions: LeaseAction[]): void {
    for (const action of actions) {
      switch (action.type) {
        case 'tryLock':
          clearTimeout(this.timer);
          this.timer = setTimeout(() => void this.tryLock(), action.afterMs);
          break;
        case 'dropSession':
          this.dropSession();
          break;
        case 'recordLease':
          void this.recordLease();
          break;
        case 'spawnJvm':
          this.spawnJvm();
          break;
        case 'signalJvm':
          this.jvm?.kill(action.signal);
          break;
        case 'release':
          void this.release(action.exitCode);
          break;
      }
    }
  }

  private async tryLock(): Promise<void> {
    try {
      this.session ??= await this.connect();
      const { rows } = await this.session.query<{ granted: boolean }>(
        /* sql */ `SELECT pg_try_advisory_lock(debezium_lease_key($1::text)) AS granted`,
        [this.options.slot],
      );
      this.dispatch({ type: rows[0]?.granted ? 'lockGranted' : 'lockDenied' });
    } catch (err) {
      this.options.log.warn({ err: (err as Error).message }, 'cannot reach the write database to take the lease');
      this.dispatch({ type: 'sessionLost' });
    }
  }

  private async connect(): Promise<pg.Client> {
    const client = new pg.Client({
      connectionString: this.options.writeUrl,
      application_name: holderApplicationName(this.options.instance),
      keepAlive: true,
      connectionTimeoutMillis: 5_000,
    });
    // The session ended under us (database restart, backend terminated): the lock went with it.
    client.on('error', () => this.onSessionEnded(client));
    client.on('end', () => this.onSessionEnded(client));
    await client.connect();
    return client;
  }

  private onSessionEnded(client: pg.Client): void {
    if (client !== this.session) return;
    this.session = undefined;
    this.dispatch({ type: 'sessionLost' });
  }

  private dropSession(): void {
    const session = this.session;
    this.session = undefined;
    session?.end().catch(() => undefined);
  }

  private async recordLease(): Promise<void> {
    try {
      await this.session!.query(
        /* sql */ `INSERT INTO debezium_lease (slot, instance, holder_pid, backend_pid, acquired_at)
                   VALUES ($1::text, $2::text, $3::int, pg_backend_pid(), now())
                   ON CONFLICT (slot) DO UPDATE SET instance = EXCLUDED.instance, holder_pid = EXCLUDED.holder_pid,
                          backend_pid = EXCLUDED.backend_pid, acquired_at = EXCLUDED.acquired_at`,
        [this.options.slot, this.options.instance, process.pid],
      );
      this.options.log.info({ instance: this.options.instance }, 'holding the slot lease: starting Debezium Server');
      this.dispatch({ type: 'leaseRecorded' });
    } catch (err) {
      this.options.log.warn({ err: (err as Error).message }, 'could not record the lease');
      this.dropSession();
      this.dispatch({ type: 'sessionLost' });
    }
  }

  /** The JVM dies with this process (pdeathsig), even when it is killed with -9. */
  private spawnJvm(): void {
    const jvm = spawn('setpriv', ['--pdeathsig', 'KILL', '--', this.options.command, ...this.options.args], {
      cwd: this.options.cwd,
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    this.jvm = jvm;
    jvm.on('error', (err) => this.options.log.error({ err: err.message }, 'could not start Debezium Server'));
    jvm.on('exit', (code, signal) => {
      this.options.log.warn({ code, signal }, 'Debezium Server exited: releasing the lease');
      clearInterval(this.check);
      this.dispatch({ type: 'jvmExited', code: code ?? 1 });
    });
    if (jvm.pid !== undefined) {
      this.dispatch({ type: 'jvmStarted', pid: jvm.pid });
      this.check = setInterval(() => void this.checkSession(), SESSION_CHECK_MS);
    }
  }

  /** A session that stopped answering is as good as lost: a network cut may have ended it server-side. */
  private async checkSession(): Promise<void> {
    const session = this.session;
    if (!session) return;
    const timeout = new Promise<never>((_, reject) =>
      setTimeout(() => reject(new Error('no answer')), SESSION_ANSWER_MS).unref(),
    );
    try {
      await Promise.race([session.query('SELECT 1'), timeout]);
    } catch {
      this.options.log.error('lost the session holding the lease: stopping Debezium Server at once');
      this.onSessionEnded(session);
    }
  }

  private async release(exitCode: number): Promise<void> {
    clearTimeout(this.timer);
    clearInterval(this.check);
    const session = this.session;
    this.session = undefined;
    if (session) {
      await session
        .query(/* sql */ `DELETE FROM debezium_lease WHERE slot = $1::text AND backend_pid = pg_backend_pid()`, [
          this.options.slot,
        ])
        .catch(() => undefined);
      await session.end().catch(() => undefined);
    }
    this.options.log.info({ exitCode }, 'lease released');
    this.done(exitCode);
  }
}
