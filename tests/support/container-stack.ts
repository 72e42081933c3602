import { spawnSync } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { GenericContainer, Network, Wait } from 'testcontainers';
import { CONFIG_FILE } from '../../infra/src/native/debezium-server.ts';
import { ensureDatabases } from '../../infra/src/native/postgres-cluster.ts';
import { stackDirs } from '../../infra/src/native/processes.ts';
import { declareStackTopology } from '../../infra/src/native/rabbitmq.ts';
import { isSlotActive } from '../../infra/src/native/slot.ts';
import { startServices, stopStack } from '../../infra/src/native/stack.ts';
import { childEnv, testStackConfig } from '../../infra/src/stack-config.ts';
import type { TestStack } from './native-stack.ts';

/** True when a Docker engine answers (the client alone is not enough). */
export async function dockerAnswers(): Promise<boolean> {
  return spawnSync('docker', ['info'], { stdio: 'ignore', timeout: 5_000 }).status === 0;
}

/**
 * Postgres, RabbitMQ and Debezium Server from published images on one Docker network; the three
 * services run as local processes against the mapped ports, exactly as in the native stack.
 * Debezium gets the same application.properties with the in-network host names.
 */
export async function startContainerTestStack(log: (line: string) => void): Promise<TestStack> {
  const base = testStackConfig();
  const network = await new Network().start();
  log('starting postgres and rabbitmq containers');
  const postgres = await new GenericContainer('postgres:15')
    .withNetwork(network)
    .withNetworkAliases('postgres')
    .withEnvironment({ POSTGRES_USER: base.PG_USER, POSTGRES_PASSWORD: base.PG_PASSWORD })
    .withCommand(['postgres', '-c', 'wal_level=logical'])
    .withExposedPorts(5432)
    .withWaitStrategy(Wait.forLogMessage(/database system is ready to accept connections/, 2))
    .start();
  const rabbit = await new GenericContainer('rabbitmq:3.13-management')
    .withNetwork(network)
    .withNetworkAliases('rabbitmq')
    .withExposedPorts(5672)
    .withWaitStrategy(Wait.forLogMessage(/Server startup complete/))
    .start();

  const config = {
    ...base,
    PG_HOST: postgres.getHost(),
    PG_PORT: postgres.getMappedPort(5432),
    RABBITMQ_HOST: rabbit.getHost(),
    RABBITMQ_PORT: rabbit.getMappedPort(5672),
  };
  await ensureDatabases(config, [config.WRITE_DB_NAME, config.READ_DB_NAME]);
  await declareStackTopology(config);
  await startServices(config, stackDirs(config.stackDir), log);

  log(`starting debezium/server:${config.DEBEZIUM_VERSION}`);
  const inNetwork = {
    PG_HOST: 'postgres',
    PG_PORT: '5432',
    RABBITMQ_HOST: 'rabbitmq',
    RABBITMQ_PORT: '5672',
    DEBEZIUM_HTTP_PORT: '8083',
  };
  const debezium = await new GenericContainer(`quay.io/debezium/server:${config.DEBEZIUM_VERSION}`)
    .withNetwork(network)
    .withEnvironment({ ...childEnv(config), ...inNetwork })
    .withBindMounts([{ source: CONFIG_FILE, target: '/debezium/config/application.properties', mode: 'ro' }])
    .withExposedPorts(8083)
    .withWaitStrategy(Wait.forHttp('/q/health', 8083).withStartupTimeout(180_000))
    .start();
  const withDebezium = { ...config, DEBEZIUM_HTTP_PORT: debezium.getMappedPort(8083) };
  while (!(await isSlotActive(withDebezium))) await sleep(250);

  return {
    config: withDebezium,
    stop: async () => {
      await stopStack(withDebezium);
      for (const container of [debezium, rabbit, postgres]) await container.stop();
      await network.stop();
    },
  };
}
