import { secretsFile } from '../secrets.ts';
import { devStackConfig } from '../stack-config.ts';
import { serviceSpecs } from '../native/services.ts';
import { startStack } from '../native/stack.ts';
import { debeziumHealthUrl, debeziumInstanceNames, debeziumMetricsUrl } from '../native/debezium-server.ts';
import { runCli } from './run-cli.ts';

await runCli(async () => {
  const config = devStackConfig();
  const started = Date.now();
  console.log(`starting the native stack (state and logs in ${config.stackDir})`);
  await startStack(config, (line) => console.log(line), { supervise: true });
  const urls = Object.fromEntries(serviceSpecs(config).map((s) => [s.name, s.publicUrl]));
  console.log(`\nall healthy in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  console.log(`  command API   ${urls['command-api']}   (POST /api/products, /api/orders)`);
  console.log(`  query API     ${urls['query-api']}   (GET /api/products, /api/analytics/..., /docs)`);
  console.log(`  console       ${urls['query-api']}/console`);
  console.log(`  projector     ${urls['projector']}/health`);
  console.log(
    `  notifier      ${urls['notifier']}   (GET /api/notifications?orderId=, /health; ${config.NOTIFIER_WEBHOOK_URL ? `POSTs to ${config.NOTIFIER_WEBHOOK_URL}` : 'no NOTIFIER_WEBHOOK_URL: recorded only'})`,
  );
  for (const instance of debeziumInstanceNames(config)) {
    console.log(
      `  ${instance.padEnd(17)} ${debeziumHealthUrl(config, instance)}, metrics ${debeziumMetricsUrl(config, instance)}`,
    );
  }
  if (config.DEBEZIUM_STANDBY) console.log('  (one streams, the other waits for the slot lease: npm run status says which)');
  console.log(
    `  postgres      postgres://${config.PG_USER}@${config.PG_HOST}:${config.PG_PORT}/{${config.WRITE_DB_NAME},${config.READ_DB_NAME}}`,
  );
  console.log(`  rabbitmq      amqp://${config.RABBITMQ_USER}@${config.RABBITMQ_HOST}:${config.RABBITMQ_PORT}`);
  console.log(`  secrets       ${secretsFile(config.stackDir)} (each component has its own login: docs/security.md)`);
  console.log(
    `  traces        ${config.OTEL_EXPORTER_OTLP_ENDPOINT ? `exported to ${config.OTEL_EXPORTER_OTLP_ENDPOINT} (OTLP/HTTP)` : 'off (set OTEL_EXPORTER_OTLP_ENDPOINT to export)'}`,
  );
  console.log(`  logs          ${config.stackDir}/logs/`);
  console.log('stop it with: npm stop');
});
