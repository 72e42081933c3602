import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { childEnv, repoRoot, type StackConfig } from '../stack-config.ts';
import { findJavaHome } from './java.ts';
import {
  fetchPinned,
  mavenCoordinates,
  mavenFileName,
  pinnedSha256,
  PINS_PATH,
  readPins,
  verifyPinned,
  type MavenArtifact,
} from './pinned-artifacts.ts';
import { procStat, runningPid, spawnDetached, type StackDirs } from './processes.ts';

export const DEBEZIUM = 'debezium-server';
/** Debezium Server 3.x is built for Java 21 (see debezium/README.md). */
export const DEBEZIUM_MIN_JAVA = 21;
export const CONFIG_FILE = join(repoRoot, 'debezium', 'config', 'application.properties');

const cacheDir = (version: string) => join(repoRoot, '.cache', `debezium-server-${version}`);

export function debeziumJavaHome(config: StackConfig): string {
  const home = findJavaHome(DEBEZIUM_MIN_JAVA, config.DEBEZIUM_JAVA_HOME);
  if (!home) {
    throw new Error(
      `Debezium Server ${config.DEBEZIUM_VERSION} needs a JDK ${DEBEZIUM_MIN_JAVA} or newer: install one under /usr/lib/jvm (e.g. Temurin 21) or set DEBEZIUM_JAVA_HOME`,
    );
  }
  return home;
}

/** The Debezium Server distribution of a version, as Maven Central has it. */
export const debeziumDistribution = (version: string): MavenArtifact => ({
  groupId: 'io.debezium',
  artifactId: 'debezium-server-dist',
  version,
  type: 'tar.gz',
});

/** What `.complete` says once the tarball of the pinned SHA-256 is unpacked. */
const completeMarker = (version: string, sha256: string) => `${version} sha256:${sha256}\n`;

function readMarker(dir: string): string | undefined {
  try {
    return readFileSync(join(dir, '.complete'), 'utf8');
  } catch {
    return undefined;
  }
}

/** Unpacked from a tarball of the SHA-256 pinned now (false for a version with no pin). */
export function isDistributionCached(version: string): boolean {
  let expected: string;
  try {
    expected = pinnedSha256(readPins(), debeziumDistribution(version));
  } catch {
    return false;
  }
  return readMarker(cacheDir(version)) === completeMarker(version, expected);
}

/**
 * The distribution comes from Maven Central through Maven (so it lands in ~/.m2 once), is checked
 * against its SHA-256 pinned in infra/maven-artifacts.sha256 (a version with no pin is refused
 * before anything is fetched) and unpacked into the git-ignored .cache/. The `.complete` marker
 * names the hash it was checked against: an interrupted unpack, or one unpacked before the pin
 * (or under another pin), is done again.
 */
export function ensureDistribution(version: string, progress: (line: string) => void): string {
  const artifact = debeziumDistribution(version);
  const expected = pinnedSha256(readPins(), artifact);
  const dir = cacheDir(version);
  const marker = readMarker(dir);
  if (marker === completeMarker(version, expected)) return dir;
  if (marker !== undefined)
    progress(`Debezium Server ${version} in ${dir} was not checked against ${PINS_PATH}: unpacking it again`);
  const partial = `${dir}.partial`;
  rmSync(partial, { recursive: true, force: true });
  mkdirSync(partial, { recursive: true });
  progress(`fetching ${mavenCoordinates(artifact)} through Maven (about 800 MB, once), checked against its pinned SHA-256...`);
  // On a terminal Maven shows its own download progress; elsewhere (CI, logs) it stays quiet.
  const tarball = fetchPinned(artifact, partial, { quiet: !process.stdout.isTTY });
  progress('unpacking Debezium Server...');
  execFileSync('tar', ['xzf', tarball, '-C', partial, '--strip-components=1']);
  rmSync(tarball);
  writeFileSync(join(partial, '.complete'), completeMarker(version, expected));
  rmSync(dir, { recursive: true, force: true });
  renameSync(partial, dir);
  return dir;
}

/**
 * The distribution, and when tracing is on (OTEL_EXPORTER_OTLP_ENDPOINT) the two OpenTelemetry
 * pieces it lacks for Debezium's tracing to export (see tracingJars).
 */
export function prepareDebezium(config: StackConfig, progress: (line: string) => void): string {
  const distDir = ensureDistribution(config.DEBEZIUM_VERSION, progress);
  if (config.OTEL_EXPORTER_OTLP_ENDPOINT) ensureTracingJars(distDir, progress);
  return distDir;
}

/**
 * Debezium's outbox EventRouter creates its spans (db-log-write, debezium-read) through
 * GlobalOpenTelemetry and sends `traceparent` with each event, but the distribution only ships the
 * OpenTelemetry SDK (lib/, for another sink) without what configures it from the environment
 * (sdk-extension-autoconfigure) and with an HTTP sender that needs Kotlin, which it lacks
 * (exporter-sender-okhttp). Without these two the global stays a no-op: no spans, no header, no
 * error. They come from Maven Central at the version of the SDK the distribution ships, into a
 * folder of their own beside it (the distribution stays as released).
 */
export const TRACING_ARTIFACTS = ['opentelemetry-sdk-extension-autoconfigure', 'opentelemetry-exporter-sender-jdk'] as const;

function tracingDir(distDir: string): string {
  const sdk = readdirSync(join(distDir, 'lib')).find((f) => /^opentelemetry-sdk-\d[\d.]*\.jar$/.test(f));
  if (!sdk) throw new Error(`no OpenTelemetry SDK in ${distDir}/lib: Debezium's tracing cannot be turned on`);
  const version = sdk.slice('opentelemetry-sdk-'.length, -'.jar'.length);
  return join(`${distDir}-tracing`, version);
}

/** Fetched once, checked against their pins at every start (they are small). */
function ensureTracingJars(distDir: string, progress: (line: string) => void): void {
  const dir = tracingDir(distDir);
  const pins = readPins();
  for (const artifactId of TRACING_ARTIFACTS) {
    const artifact: MavenArtifact = { groupId: 'io.opentelemetry', artifactId, version: basename(dir), type: 'jar' };
    const jar = join(dir, mavenFileName(artifact));
    if (existsSync(jar)) {
      verifyPinned(jar, artifact, pinnedSha256(pins, artifact));
      continue;
    }
    progress(`fetching ${mavenCoordinates(artifact)} through Maven (Debezium's tracing), checked against its pinned SHA-256...`);
    fetchPinned(artifact, dir, { pins });
  }
}

/**
 * What turns Debezium's tracing on: the SDK configures itself from OTEL_* at its first use, with
 * the JDK's HTTP client (the OkHttp sender in lib/ cannot load), exporting traces only.
 */
function tracingLaunch(
  config: StackConfig,
  distDir: string,
): { javaArgs: string[]; classpath: string[]; env: Record<string, string> } {
  if (!config.OTEL_EXPORTER_OTLP_ENDPOINT) return { javaArgs: [], classpath: [], env: {} };
  return {
    javaArgs: [
      '-Dotel.java.global-autoconfigure.enabled=true',
      '-Dio.opentelemetry.exporter.internal.http.HttpSenderProvider=io.opentelemetry.exporter.sender.jdk.internal.JdkHttpSenderProvider',
    ],
    classpath: [join(tracingDir(distDir), '*')],
    env: {
      OTEL_SDK_DISABLED: 'false',
      OTEL_SERVICE_NAME: 'debezium-server',
      OTEL_TRACES_EXPORTER: 'otlp',
      OTEL_METRICS_EXPORTER: 'none',
      OTEL_LOGS_EXPORTER: 'none',
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf',
      OTEL_EXPORTER_OTLP_ENDPOINT: config.OTEL_EXPORTER_OTLP_ENDPOINT,
      OTEL_PROPAGATORS: 'tracecontext',
      OTEL_BSP_SCHEDULE_DELAY: '1000',
    },
  };
}

/**
 * The Debezium instances of a stack: `debezium-server`, and with DEBEZIUM_STANDBY a second one,
 * `debezium-server-2`, which waits for the slot's lease (debezium-lease.ts) while the other holds it.
 */
export const DEBEZIUM_SECOND = 'debezium-server-2';
export type DebeziumInstance = typeof DEBEZIUM | typeof DEBEZIUM_SECOND;

export const debeziumInstanceNames = (config: StackConfig): DebeziumInstance[] =>
  config.DEBEZIUM_STANDBY ? [DEBEZIUM, DEBEZIUM_SECOND] : [DEBEZIUM];

/**
 * The second instance's ports: the first's plus this (the first's HTTP port + 1 is its metrics port
 * in the defaults, 8083 and 8084): 8093 and 8094 with `npm start`.
 */
export const SECOND_INSTANCE_PORT_OFFSET = 10;

export function debeziumPorts(config: StackConfig, instance: DebeziumInstance = DEBEZIUM): { http: number; metrics: number } {
  const offset = instance === DEBEZIUM ? 0 : SECOND_INSTANCE_PORT_OFFSET;
  return { http: config.DEBEZIUM_HTTP_PORT + offset, metrics: config.DEBEZIUM_METRICS_PORT + offset };
}

/** How one instance's JVM is run: the same classpath as the distribution's run.sh, with our config file given explicitly. */
export function debeziumLaunch(
  config: StackConfig,
  dirs: StackDirs,
  distDir: string,
  javaHome: string,
  instance: DebeziumInstance,
): { command: string; args: string[]; cwd: string; env: Record<string, string> } {
  const runner = readdirSync(distDir).find((f) => f.endsWith('-runner.jar'));
  if (!runner) throw new Error(`no runner jar in ${distDir}: delete that folder to fetch it again`);
  const ports = debeziumPorts(config, instance);
  const tracing = tracingLaunch(config, distDir);
  return {
    command: join(javaHome, 'bin', 'java'),
    args: [
      '-Xmx512m',
      // Quarkus' thread-local reset needs this on Java 24+.
      '--add-opens=java.base/java.lang=ALL-UNNAMED',
      `-Dquarkus.config.locations=${CONFIG_FILE}`,
      // Its own metrics (debezium_metrics_*) through the JMX exporter the distribution ships, as
      // its run.sh does when JMX_EXPORTER_PORT is set; on loopback only.
      `-javaagent:${exporterJar(distDir)}=127.0.0.1:${ports.metrics}:${join(distDir, 'config', 'metrics.yml')}`,
      ...tracing.javaArgs,
      '-cp',
      [join(distDir, runner), join(distDir, 'config', 'lib'), join(distDir, 'lib', '*'), ...tracing.classpath].join(':'),
      'io.debezium.server.Main',
    ],
    cwd: join(dirs.root, instance === DEBEZIUM ? 'debezium' : instance),
    env: {
      ...childEnv(config, 'debezium'),
      ...tracing.env,
      JAVA_HOME: javaHome,
      // application.properties reads Quarkus' port from here.
      DEBEZIUM_HTTP_PORT: String(ports.http),
    },
  };
}

/**
 * Starts the stack's Debezium instances that are not running, each under its lease holder
 * (cli/debezium-instance.ts), whose pid is the instance's recorded pid: the JVM is its child and
 * dies with it, and the holder exits when its JVM does, so the recorded process lives exactly as
 * long as the instance.
 */
export function startDebezium(config: StackConfig, dirs: StackDirs, distDir: string, javaHome: string): void {
  for (const instance of debeziumInstanceNames(config)) startDebeziumInstance(config, dirs, distDir, javaHome, instance);
}

export function startDebeziumInstance(
  config: StackConfig,
  dirs: StackDirs,
  distDir: string,
  javaHome: string,
  instance: DebeziumInstance,
): void {
  if (runningPid(dirs, instance) !== undefined) return;
  const launch = debeziumLaunch(config, dirs, distDir, javaHome, instance);
  mkdirSync(launch.cwd, { recursive: true });
  spawnDetached(dirs, {
    name: instance,
    command: process.execPath,
    args: [
      '--import',
      'tsx',
      join(repoRoot, 'infra', 'src', 'cli', 'debezium-instance.ts'),
      instance,
      launch.cwd,
      '--',
      launch.command,
      ...launch.args,
    ],
    cwd: repoRoot,
    env: launch.env,
  });
}

/** The JVM of a running instance: its holder's child (setpriv execs it), if started. */
export function debeziumJvmPid(holderPid: number): number | undefined {
  try {
    const children = readFileSync(`/proc/${holderPid}/task/${holderPid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean);
    return children.map(Number).find((pid) => procStat(pid)?.comm === 'java');
  } catch {
    return undefined;
  }
}

function exporterJar(distDir: string): string {
  const jar = readdirSync(join(distDir, 'lib_metrics')).find((f) => f.startsWith('jmx_prometheus_javaagent-'));
  if (!jar) throw new Error(`no JMX exporter in ${distDir}/lib_metrics: delete that folder to fetch it again`);
  return join(distDir, 'lib_metrics', jar);
}

export const debeziumMetricsUrl = (config: StackConfig, instance: DebeziumInstance = DEBEZIUM) =>
  `http://127.0.0.1:${debeziumPorts(config, instance).metrics}/metrics`;

export const debeziumHealthUrl = (config: StackConfig, instance: DebeziumInstance = DEBEZIUM) =>
  `http://127.0.0.1:${debeziumPorts(config, instance).http}/q/health`;
