import { importBrokerUsers } from './broker-setup.ts';

// docker compose's broker-setup service (see broker-setup.ts); prints no secret.
try {
  await importBrokerUsers(process.env);
  console.log('broker-setup: the users of every component are defined');
} catch (err) {
  console.error(`broker-setup: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
}
