import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { BROKER_USERS, type BrokerLogin } from '@shop/shared/messaging';
import { childEnv, DB_ROLES, devStackConfig, repoRoot, type DbLogin } from '../stack-config.ts';

/**
 * `npm run lag|dlq|notifier:dlq|rebuild|reconcile|retention`: runs a service's command against the `npm start`
 * stack with that service's own logins (never the superuser's), taken from the stack's settings
 * and secrets: tsx infra/src/cli/as-component.ts <component>[:<broker user>] <entry file> [args...]
 * (`npm run dlq` is the operator's: the projector's database login, the broker's admin, since a
 * projector itself may not publish an event back).
 */
const [logins, entry, ...args] = process.argv.slice(2);
const [login, broker] = (logins ?? '').split(':');
if (!login || !(login in DB_ROLES) || (broker && !(broker in BROKER_USERS)) || !entry) {
  console.error(
    'usage: tsx infra/src/cli/as-component.ts <projector|query-api|command-api|notifier>[:admin] <entry.ts> [args...]',
  );
  process.exit(2);
}
const env = { ...process.env, ...childEnv(devStackConfig(), login as DbLogin, broker as BrokerLogin | undefined) };
const child = spawn(process.execPath, ['--import', 'tsx', resolve(repoRoot, entry), ...args], { stdio: 'inherit', env });
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
