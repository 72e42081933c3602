/**
 * `npm run test:compose`: the users' docker-compose.yml, run for real. Builds the images, brings
 * the stack up and waits until every service is healthy, writes a product the instant that
 * returns (visible on the query side within 2 s), sends the contract's requests, crashes the
 * projector and Debezium under a steady write load and lets the engine restart them, checks that
 * nothing was lost, then removes the stack with its volumes. Needs a Docker engine that answers.
 * With --cluster, the same with docker-compose.cluster.yml: three RabbitMQ nodes behind HAProxy,
 * one of them killed under load (cluster.ts); .ci/run runs both.
 *
 *   npm run test:compose [-- --cluster] [-- --keep]     (--keep: leave the stack running at the end)
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs, parseEnv } from 'node:util';
import { postgresUrl } from '@shop/shared/config';
import { createPool } from '@shop/shared/db';
import { COMPOSE_SECRETS } from '../../infra/src/secrets.ts';
import { childEnv, devStackConfig, repoRoot, type StackConfig } from '../../infra/src/stack-config.ts';
import { eventually, getIfFound, postJson } from '../support/clients.ts';
import { CLUSTER_FILES, nodeLossUnderLoad } from './cluster.ts';
import { ComposeProject, describe, engineAnswers, findCompose } from './compose-cli.ts';
import { checkContractRequests } from './contract-requests.ts';
import { checkNothingLost, type Databases } from './nothing-lost.ts';
import { startWorkload } from '../support/steady-workload.ts';
import type { ReceivedSpan } from '../support/otlp/protobuf-spans.ts';
import { startOtlpReceiver } from '../support/otlp/receiver.ts';

const PROJECT = 'cqrs-compose-test';
const CLUSTER_PROJECT = 'cqrs-compose-cluster-test';
const ENV_FILE = 'tests/compose/test.env';
const FILES = [
  'docker-compose.yml',
  'docker-compose.observability.yml',
  'tests/compose/build-on-host-network.yml',
  'tests/compose/trace-to-test-receiver.yml',
];
/** Where the containers send their spans (tests/compose/trace-to-test-receiver.yml), on every host address. */
const OTLP_PORT = 14318;
const FIRST_WRITE_VISIBLE_LIMIT_MS = 2_000;
const UP_TIMEOUT_MS = 300_000;
const RESTART_TIMEOUT_MS = 180_000;

const started = Date.now();
const log = (line: string) => console.log(`[compose ${seconds(Date.now() - started)}] ${line}`);

async function main(): Promise<number> {
  const { values } = parseArgs({ options: { keep: { type: 'boolean' }, cluster: { type: 'boolean' } } });
  const cluster = values.cluster === true;
  if (!engineAnswers()) {
    console.error('test:compose: no Docker engine answers (`docker info` fails): start one and run again');
    return 2;
  }
  const cli = findCompose();
  if (!cli) {
    console.error('test:compose: neither `docker compose` (v2) nor `docker-compose` is installed');
    return 2;
  }
  // The test's settings as compose reads them (test.env over the defaults of .env.example), for
  // the test's own clients and `npm run lag`; --env-file: compose reads them instead of a
  // developer's `.env` next to the compose file. Its secrets are generated as `npm run secrets`
  // does, into a file of its own, and given to compose in the environment.
  const secrets = composeTestSecrets();
  const config = devStackConfig(secrets, join(repoRoot, ENV_FILE));
  const withoutSecrets = { ...process.env, ...childEnv(config) };
  const env = { ...withoutSecrets, ...secrets };
  const project = new ComposeProject(
    { ...cli, prefix: [...cli.prefix, '--env-file', ENV_FILE] },
    cluster ? CLUSTER_PROJECT : PROJECT,
    cluster ? CLUSTER_FILES : FILES,
    env,
    log,
  );
  log('without its secrets, compose refuses to start and says how to make them');
  const refused = project.runWithEnv(withoutSecrets, ['config', '-q']);
  if (refused.status === 0 || !refused.output.includes('npm run secrets')) {
    throw new Error(`compose without secrets: exit ${refused.status}, ${refused.output.trim().slice(0, 300)}`);
  }
  log(
    `${cli.command}${cli.prefix.length ? ` ${cli.prefix.join(' ')}` : ''} ${cli.version}${cli.hasWait ? '' : ' (no up --wait: health polled here)'}`,
  );

  const timings: Record<string, number> = {};
  const time = async <T>(name: string, step: () => Promise<T>): Promise<T> => {
    const t0 = Date.now();
    const result = await step();
    timings[name] = Date.now() - t0;
    return result;
  };

  const receiver = cluster ? undefined : await startOtlpReceiver(OTLP_PORT, '0.0.0.0');
  log('removing what an earlier run left (down -v)');
  await project.run(['down', '-v', '--remove-orphans'], { quiet: true });
  try {
    log('building the service images');
    await time('build', () => project.run(['build']));
    log(`build done in ${seconds(timings.build!)}`);
    log(`up -d${cli.hasWait ? ' --wait' : ', then waiting until every service is healthy'}`);
    await time('up', () => project.upAndWait(UP_TIMEOUT_MS));
    log(`healthy in ${seconds(timings.up!)}: ${describe(project.states())}`);
    // A healthcheck that passes before its service is usable shows as a dependant that exited
    // on a start-up error and was restarted: none may have been.
    const restarted = [...project.states()].filter(([, state]) => state.restarts > 0);
    if (restarted.length > 0) throw new Error(`restarted during start-up: ${restarted.map(([name]) => name).join(', ')}`);

    const api = {
      command: `http://127.0.0.1:${config.COMMAND_API_PORT}`,
      query: `http://127.0.0.1:${config.QUERY_API_PORT}`,
    };
    const visibleMs = await firstWriteVisible(api);
    log(
      `a product written the instant up returned was on the query side after ${visibleMs} ms (limit ${FIRST_WRITE_VISIBLE_LIMIT_MS})`,
    );
    if (visibleMs > FIRST_WRITE_VISIBLE_LIMIT_MS) throw new Error(`first write took ${visibleMs} ms to reach the query side`);

    if (receiver) await singleNodeChecks(project, api, config, env, receiver.spans);
    else {
      const dbs = databases(config);
      try {
        await nodeLossUnderLoad(project, api, dbs, { exchange: config.EVENTS_EXCHANGE, queue: config.PROJECTOR_QUEUE }, log);
      } finally {
        await Promise.all([dbs.write.end(), dbs.read.end()]);
      }
    }
    checkLoopbackOnly(project, config);
  } finally {
    await receiver?.close();
    if (values.keep) log(`--keep: the stack stays up (project ${cluster ? CLUSTER_PROJECT : PROJECT}; remove it with down -v)`);
    else {
      log('down -v');
      await time('down', () => project.run(['down', '-v', '--remove-orphans'], { quiet: true }));
    }
  }
  log(`PASSED in ${seconds(Date.now() - started)} (build ${seconds(timings.build!)}, up until healthy ${seconds(timings.up!)})`);
  return 0;
}

/** The single-node stack: the contract, the console, tracing, crashes of every piece under load. */
async function singleNodeChecks(
  project: ComposeProject,
  api: { command: string; query: string },
  config: StackConfig,
  env: NodeJS.ProcessEnv,
  spans: ReceivedSpan[],
): Promise<void> {
  log('the contract requests, at once');
  await checkContractRequests(api, log);
  await lagCli(env, 'after the contract requests');
  await checkConsole(api.query, log);
  await checkOneTrace(api, spans, log);

  const dbs = databases(config);
  try {
    const acknowledged = await crashUnderLoad(project, api);
    log('waiting until the pipeline drained, then checking nothing was lost');
    await checkNothingLost(dbs, api, acknowledged, log);
    await lagCli(env, 'after the crashes');
  } finally {
    await Promise.all([dbs.write.end(), dbs.read.end()]);
  }
}

/** The console inside compose: the query API reaches the broker's queues and the projector by service name. */
async function checkConsole(query: string, log: (line: string) => void): Promise<void> {
  const page = await fetch(`${query}/console`);
  if (!page.ok || !(page.headers.get('content-type') ?? '').startsWith('text/html'))
    throw new Error(`GET /console: ${page.status}`);
  const snapshot = (await (await fetch(`${query}/console/api/snapshot`)).json()) as {
    queues: { shards: { consumers: number | null }[] };
    projectors: { url: string; reachable: boolean; shards: Record<string, unknown> }[];
  };
  const consumed = snapshot.queues.shards.filter((q) => (q.consumers ?? 0) > 0).length;
  const projector = snapshot.projectors[0];
  if (consumed !== 8 || !projector?.reachable || Object.keys(projector.shards).length !== 8)
    throw new Error(`the console does not see the pipeline: ${JSON.stringify(snapshot.projectors)}, ${consumed} shards consumed`);
  log(`console: 8 shard queues consumed, projector ${projector.url} reachable with 8 shards`);
}

/**
 * Tracing inside compose, with the observability file's Debezium image: one order with a caller's
 * traceparent reaches the receiver as spans of the command API, Debezium and the projector, all of
 * that trace.
 */
async function checkOneTrace(api: { command: string; query: string }, spans: ReceivedSpan[], log: (line: string) => void) {
  const traceId = randomBytes(16).toString('hex');
  const product = await postJson(`${api.command}/api/products`, { name: 'Traced', category: 'trace', price: 2, stock: 5 });
  const order = await fetch(`${api.command}/api/orders`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', traceparent: `00-${traceId}-${randomBytes(8).toString('hex')}-01` },
    body: JSON.stringify({ customerId: 3, items: [{ productId: product.body.productId, quantity: 1 }] }),
  });
  if (order.status !== 201) throw new Error(`traced order answered ${order.status}`);
  const services = await eventually(async () => {
    const seen = new Set(spans.filter((s) => s.traceId === traceId).map((s) => `${s.service}: ${s.name}`));
    const all = ['command-api: POST /api/orders', 'debezium-server: db-log-write', 'projector: project OrderPlaced'];
    return all.every((name) => seen.has(name)) ? [...seen] : undefined;
  }, 60_000).catch(() => {
    throw new Error(
      `trace ${traceId} incomplete: ${
        spans
          .filter((s) => s.traceId === traceId)
          .map((s) => `${s.service}: ${s.name}`)
          .join(', ') || 'no spans'
      } (${spans.length} spans received in all, from ${[...new Set(spans.map((x) => x.service))].join(', ')})`,
    );
  });
  log(`one trace ${traceId}: ${services.sort().join(', ')}`);
}

/** Milliseconds from the POST's answer until the product is served by the query API. */
async function firstWriteVisible(api: { command: string; query: string }): Promise<number> {
  const reply = await postJson(`${api.command}/api/products`, { name: 'First', category: 'first', price: 1.5, stock: 1 });
  if (reply.status !== 201) throw new Error(`first write answered ${reply.status} ${JSON.stringify(reply.body)}`);
  const t0 = Date.now();
  await eventually(() => getIfFound(`${api.query}/api/products/${String(reply.body.productId)}`), 30_000);
  return Date.now() - t0;
}

/** A steady write load while the projector, then Debezium, are crashed and restarted by the engine. */
async function crashUnderLoad(project: ComposeProject, api: { command: string; query: string }): Promise<number[]> {
  const products: number[] = [];
  for (let i = 0; i < 6; i++) {
    const reply = await postJson(`${api.command}/api/products`, {
      name: `Load ${i}`,
      category: `load-${i % 3}`,
      price: 10 + i,
      stock: 1_000_000,
    });
    products.push(reply.body.productId as number);
  }
  const workload = startWorkload(api.command, products, 13, 20, log);
  try {
    for (const service of ['projector', 'debezium']) {
      await sleep(3_000);
      const before = await project.crash(service);
      const t0 = Date.now();
      log(`crashed ${service} (every process of its container SIGKILLed) under 20 writes/s`);
      const after = await project.waitRestartedHealthy(service, before, RESTART_TIMEOUT_MS);
      log(`  restarted by the engine (restart count ${after.restarts}) and healthy after ${seconds(Date.now() - t0)}`);
    }
    await sleep(3_000);
    await restartBroker(project);
    await sleep(3_000);
  } finally {
    await workload.stop();
  }
  const { orders, cancels, updates, acknowledgedOrders } = workload.stats;
  log(
    `  load: orders ${orders.ok} ok / ${orders.refused} refused / ${orders.failed} failed, cancels ${cancels.ok}, updates ${updates.ok}`,
  );
  return acknowledgedOrders;
}

/**
 * The broker goes away and comes back under load: Debezium Server exits when it cannot publish
 * and the engine starts it again (the native supervisor's job in `npm start`); the projector
 * reconnects by itself. Waits until every service is healthy again.
 */
async function restartBroker(project: ComposeProject): Promise<void> {
  const before = project.states().get('debezium')!;
  const t0 = Date.now();
  log('restarting rabbitmq under 20 writes/s');
  await project.run(['restart', 'rabbitmq'], { quiet: true });
  await project.waitAllHealthy(RESTART_TIMEOUT_MS);
  const after = project.states().get('debezium')!;
  log(
    `  every service healthy again after ${seconds(Date.now() - t0)}; Debezium was restarted ${after.restarts - before.restarts} time(s) by the engine`,
  );
}

/** The compose test's secrets, generated by `npm run secrets`'s script into a file of the test's own. */
function composeTestSecrets(): Record<string, string> {
  const file = join(repoRoot, '.stack', 'compose-test', 'secrets.env');
  mkdirSync(dirname(file), { recursive: true });
  execFileSync('bash', [join(repoRoot, 'infra', 'bin', 'secrets.sh'), file], { stdio: 'ignore' });
  const parsed = parseEnv(readFileSync(file, 'utf8'));
  return Object.fromEntries(COMPOSE_SECRETS.map((name) => [name, parsed[name]!]));
}

/** Every published port of the stack answers on 127.0.0.1 only (PUBLISH_ADDRESS unset). */
function checkLoopbackOnly(project: ComposeProject, config: StackConfig) {
  const published = [
    ['postgres', 5432],
    ['rabbitmq', 5672],
    ['rabbitmq', 15672],
    ['command-api', config.COMMAND_API_PORT],
    ['query-api', config.QUERY_API_PORT],
    ['projector', config.PROJECTOR_PORT],
    ['notifier', config.NOTIFIER_PORT],
    ['debezium', config.DEBEZIUM_HTTP_PORT],
  ] as const;
  for (const [service, port] of published) {
    const at = project.publishedAt(service, port);
    if (!at.startsWith('127.0.0.1:')) throw new Error(`${service}:${port} is published on ${at}, not on loopback only`);
  }
  log(`every published port is on 127.0.0.1 only (${published.length} checked)`);
}

function databases(config: StackConfig): Databases {
  return {
    write: createPool(postgresUrl(config, config.WRITE_DB_NAME), 2, 'compose-test'),
    read: createPool(postgresUrl(config, config.READ_DB_NAME), 2, 'compose-test'),
  };
}

/** `npm run lag` against the compose stack: must print its view and exit 0. */
/**
 * `npm run lag` against the stack. Asynchronous on purpose: a spawnSync of several seconds froze
 * this process while the query API closed its idle keep-alive connections, so the next fetch took
 * a socket already closed from the pool and failed ("fetch failed", seen twice in checkConsole).
 */
async function lagCli(env: NodeJS.ProcessEnv, when: string): Promise<void> {
  const { status, stdout, stderr } = await new Promise<{ status: number | null; stdout: string; stderr: string }>(
    (resolve, reject) => {
      const child = spawn('npm', ['run', '--silent', 'lag'], { env });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
      child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
      child.on('error', reject);
      child.on('close', (code) => resolve({ status: code, stdout, stderr }));
    },
  );
  for (const line of stdout.trim().split('\n')) log(`  lag | ${line}`);
  if (status !== 0) throw new Error(`npm run lag ${when} exited ${status}: ${stderr.trim()}`);
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(`[compose] FAILED: ${err instanceof Error ? err.stack : String(err)}`);
    process.exit(1);
  },
);
