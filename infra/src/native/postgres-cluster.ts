import { execFileSync } from 'node:child_process';
import { chownSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { userInfo } from 'node:os';
import pg from 'pg';
import type { StackConfig } from '../stack-config.ts';
import { isAlive, logFile, recordPid, runningPid, stopRecorded, tailLog, type StackDirs } from './processes.ts';
import { systemUser } from './system-user.ts';
import { waitUntil } from './wait-until.ts';

export const POSTGRES = 'postgres';

/** The newest PostgreSQL server binaries installed the Debian way (/usr/lib/postgresql/<major>/bin). */
export function findPostgresBin(): string | undefined {
  const base = '/usr/lib/postgresql';
  if (!existsSync(base)) return undefined;
  const majors = readdirSync(base)
    .map(Number)
    .filter((n) => n > 0)
    .sort((a, b) => b - a);
  const found = majors.map((m) => join(base, String(m), 'bin')).find((dir) => existsSync(join(dir, 'initdb')));
  return found;
}

/** initdb refuses to run as root: as root the cluster belongs to the `postgres` system user. */
function clusterOwner(): { uid: number; gid: number } | undefined {
  if (userInfo().uid !== 0) return undefined;
  const owner = systemUser('postgres');
  if (!owner)
    throw new Error('running as root but there is no postgres user to own the cluster: create one (adduser --system postgres)');
  return owner;
}

function runAsOwner(bin: string, args: string[], owner: ReturnType<typeof clusterOwner>) {
  execFileSync(bin, args, { stdio: 'pipe', ...(owner ? { uid: owner.uid, gid: owner.gid } : {}) });
}

/** Local socket connections are trusted (the cluster owner's shell); TCP needs the password. */
function initCluster(bin: string, dataDir: string, config: StackConfig, owner: ReturnType<typeof clusterOwner>) {
  const pwfile = join(dataDir, '..', 'pg-initial-password');
  writeFileSync(pwfile, `${config.PG_ADMIN_PASSWORD}\n`, { mode: 0o600 });
  if (owner) chownSync(pwfile, owner.uid, owner.gid);
  try {
    const args = [
      '-D',
      dataDir,
      '-U',
      config.PG_ADMIN_USER,
      `--pwfile=${pwfile}`,
      '--auth-local=trust',
      '--auth-host=scram-sha-256',
    ];
    runAsOwner(join(bin, 'initdb'), [...args, '-E', 'UTF8', '--locale=C'], owner);
  } finally {
    rmSync(pwfile, { force: true });
  }
}

/**
 * Creates (once) and starts a private cluster with logical decoding on, listening on the
 * configured port only; its postmaster pid is recorded like every other process of the stack.
 */
export async function startPostgres(config: StackConfig, dirs: StackDirs): Promise<void> {
  if (runningPid(dirs, POSTGRES) !== undefined) return;
  const bin = findPostgresBin();
  if (!bin) throw new Error('PostgreSQL server binaries not found: apt-get install postgresql');
  const owner = clusterOwner();
  const dataDir = join(dirs.root, 'pgdata');
  for (const dir of [dataDir, socketDir(config)]) {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    if (owner) chownSync(dir, owner.uid, owner.gid);
  }
  if (owner) chownSync(dirs.logs, owner.uid, owner.gid);

  if (!existsSync(join(dataDir, 'PG_VERSION'))) initCluster(bin, dataDir, config, owner);
  const settings = [
    `-p ${config.PG_PORT}`,
    `-k ${socketDir(config)}`,
    `-c listen_addresses=${config.PG_HOST}`,
    '-c wal_level=logical',
    '-c max_replication_slots=10',
    '-c max_wal_senders=10',
    // A slot whose consumer is gone must not fill the disk: cap the WAL it can hold back.
    '-c max_slot_wal_keep_size=4GB',
    `-c fsync=${config.PG_FSYNC}`,
    // Commit times of rows (pg_xact_commit_timestamp): the bench measures freshness from the
    // write's commit to the projector's, both read from the one cluster clock.
    '-c track_commit_timestamp=on',
  ].join(' ');
  const log = logFile(dirs, POSTGRES);
  try {
    runAsOwner(join(bin, 'pg_ctl'), ['-D', dataDir, '-l', log, '-o', settings, '-w', '-t', '60', 'start'], owner);
  } catch {
    throw new Error(`postgres did not start on port ${config.PG_PORT}:\n${tailLog(dirs, POSTGRES)}`);
  }
  const pid = Number(readFileSync(join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
  recordPid(dirs, POSTGRES, pid);
  await waitUntil('postgres', () => canConnect(config), {
    timeoutMs: 30_000,
    abort: () => (isAlive(pid) ? undefined : 'postgres exited'),
  });
}

async function canConnect(config: StackConfig): Promise<boolean> {
  const client = new pg.Client(socketConnection(config, 'postgres'));
  try {
    await client.connect();
    return true;
  } finally {
    await client.end().catch(() => undefined);
  }
}

export const pgConnection = (config: StackConfig, database: string): pg.ClientConfig => ({
  host: config.PG_HOST,
  port: config.PG_PORT,
  user: config.PG_USER,
  password: config.PG_PASSWORD,
  database,
});

/** The folder of the cluster's Unix socket: only the cluster's owner (and root) may enter it. */
export const socketDir = (config: StackConfig) => join(config.stackDir, 'pgsocket');

/**
 * The bootstrap superuser over the cluster's Unix socket, which trusts local connections: the
 * stack's set-up works whatever the superuser's password is (it sets it, see roles.ts), so a
 * cluster made with an older password is still taken over.
 */
export const socketConnection = (config: StackConfig, database: string): pg.ClientConfig => ({
  host: socketDir(config),
  port: config.PG_PORT,
  user: config.PG_ADMIN_USER,
  database,
});

/** Creates databases (the tests' own) if they do not exist yet, as the bootstrap superuser. */
export async function ensureDatabases(config: StackConfig, names: string[]): Promise<void> {
  const client = new pg.Client(pgConnection(config, 'postgres'));
  await client.connect();
  try {
    for (const name of names) {
      const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1::text', [name]);
      // CREATE DATABASE takes no parameters; the name is validated by quoting it as an identifier.
      if (rowCount === 0) await client.query(`CREATE DATABASE ${client.escapeIdentifier(name)}`);
    }
  } finally {
    await client.end();
  }
}

/** True when the cluster accepts a connection. */
export async function isPostgresReachable(config: StackConfig): Promise<boolean> {
  const client = new pg.Client({ ...pgConnection(config, 'postgres'), connectionTimeoutMillis: 2_000 });
  try {
    await client.connect();
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** Fast shutdown (SIGINT): active sessions are cut, the cluster is left consistent. */
export const stopPostgres = (dirs: StackDirs) => stopRecorded(dirs, POSTGRES, 'SIGINT', 30_000);
