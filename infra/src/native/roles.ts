import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { DB_ROLES, repoRoot, type StackConfig } from '../stack-config.ts';
import { findPostgresBin, socketDir } from './postgres-cluster.ts';

export const ROLES_SCRIPT = join(repoRoot, 'infra', 'postgres', 'roles.sql');

/** A psql variable's value: single-quoted, a quote doubled and a backslash escaped. */
const psqlQuoted = (value: string) => `'${value.replaceAll('\\', '\\\\').replaceAll("'", "''")}'`;

/**
 * The psql input that runs roles.sql: its variables first, then the file. Fed on stdin, so no
 * password is ever on a command line (where `ps` shows it to every user of the host).
 */
export function rolesScriptInput(config: StackConfig): string {
  const variables = {
    write_db: config.WRITE_DB_NAME,
    read_db: config.READ_DB_NAME,
    admin_user: config.PG_ADMIN_USER,
    admin_password: config.PG_ADMIN_PASSWORD,
    // owner_password, command_api_password, …: one per role, as roles.sql names them.
    ...Object.fromEntries(
      Object.entries(DB_ROLES).map(([login, role]) => [`${login.replace('-', '_')}_password`, config[role.password]]),
    ),
  };
  const sets = Object.entries(variables).map(([name, value]) => `\\set ${name} ${psqlQuoted(value)}`);
  return `${sets.join('\n')}\n\\i ${psqlQuoted(ROLES_SCRIPT)}\n`;
}

/**
 * Creates or updates every role and both databases (infra/postgres/roles.sql) as the bootstrap
 * superuser over the cluster's socket; run on every start, so changed passwords take effect.
 */
export function setUpRoles(config: StackConfig): void {
  const bin = findPostgresBin();
  if (!bin) throw new Error('PostgreSQL client binaries not found: apt-get install postgresql');
  const args = ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '-h', socketDir(config), '-p', String(config.PG_PORT)];
  try {
    execFileSync(join(bin, 'psql'), [...args, '-U', config.PG_ADMIN_USER, '-d', 'postgres', '-f', '-'], {
      input: rolesScriptInput(config),
      stdio: ['pipe', 'pipe', 'pipe'],
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', PGCONNECT_TIMEOUT: '10' },
    });
  } catch (err) {
    const stderr = (err as { stderr?: Buffer }).stderr?.toString().trim();
    throw new Error(`setting up the database roles failed (infra/postgres/roles.sql): ${stderr || (err as Error).message}`);
  }
}
