import { spawnSync } from 'node:child_process';
import type { StackConfig } from '../stack-config.ts';
import { DEBEZIUM_MIN_JAVA } from './debezium-server.ts';
import { findJavaHome } from './java.ts';
import { findPostgresBin } from './postgres-cluster.ts';
import { isRabbitReachable } from './rabbitmq.ts';
import { isClustered } from './rabbitmq-cluster-layout.ts';
import { ensureHaproxy } from './rabbitmq-proxy.ts';

const onPath = (command: string) => spawnSync('sh', ['-c', `command -v ${command}`]).status === 0;

/** Every missing prerequisite, one line each saying what to install; empty when all is there. */
export async function missingPrerequisites(config: StackConfig, needsMaven: boolean): Promise<string[]> {
  const missing: string[] = [];
  if (!findPostgresBin()) missing.push('PostgreSQL server binaries (initdb, pg_ctl) not found: apt-get install postgresql');
  if (!findJavaHome(DEBEZIUM_MIN_JAVA, config.DEBEZIUM_JAVA_HOME)) {
    missing.push(
      `no JDK ${DEBEZIUM_MIN_JAVA}+ for Debezium Server: install one under /usr/lib/jvm (e.g. Temurin 21) or set DEBEZIUM_JAVA_HOME`,
    );
  }
  if (needsMaven && !onPath('mvn'))
    missing.push('Maven (mvn) not found, needed once to fetch Debezium Server: apt-get install maven');
  if (!onPath('tar')) missing.push('tar not found: apt-get install tar');
  if (config.RABBITMQ_PRIVATE_NODE) {
    if (!onPath('rabbitmq-server'))
      missing.push('rabbitmq-server not found (the stack runs a node of its own): apt-get install rabbitmq-server');
    if (isClustered(config) && !ensureHaproxy())
      missing.push(
        `haproxy not found (Debezium reaches the ${config.RABBITMQ_NODES} broker nodes through it): apt-get install haproxy`,
      );
  } else if (!(await isRabbitReachable(config))) {
    missing.push(
      `RabbitMQ not reachable at ${config.RABBITMQ_HOST}:${config.RABBITMQ_PORT} as ${config.RABBITMQ_USER}: apt-get install rabbitmq-server and start it (rabbitmq-server -detached)`,
    );
  }
  return missing;
}
