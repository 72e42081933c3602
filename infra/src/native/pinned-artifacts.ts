import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { closeSync, openSync, readFileSync, readSync, rmSync } from 'node:fs';
import { basename, join } from 'node:path';
import { repoRoot } from '../stack-config.ts';

/**
 * Everything the native stack fetches from Maven Central (the Debezium Server distribution, the
 * OpenTelemetry jars of its tracing) goes through fetchPinned: the artifact's SHA-256 must be
 * pinned in PINS_PATH before Maven is run, and the fetched file must have it. The same file pins
 * what infra/docker/debezium-tracing.Dockerfile fetches (docs/security-supply-chain.md).
 */
export const PINS_PATH = 'infra/maven-artifacts.sha256';

export interface MavenArtifact {
  groupId: string;
  artifactId: string;
  version: string;
  type: 'jar' | 'tar.gz';
}

/** The artifact's file name, as Maven names it in a repository and in dependency:copy's output. */
export const mavenFileName = (a: MavenArtifact) => `${a.artifactId}-${a.version}.${a.type}`;
export const mavenCoordinates = (a: MavenArtifact) => `${a.groupId}:${a.artifactId}:${a.version}:${a.type}`;

/** File name -> pinned SHA-256 (lower-case hex). */
export type Pins = ReadonlyMap<string, string>;

const PIN_LINE = /^([0-9a-f]{64}) {2}([A-Za-z0-9._-]+)$/;

/** sha256sum's format, "<sha256>  <file name>" per line; `#` comments and blank lines allowed. */
export function parsePins(text: string): Pins {
  const pins = new Map<string, string>();
  text.split('\n').forEach((raw, index) => {
    const line = raw.trimEnd();
    if (!line.trim() || line.trimStart().startsWith('#')) return;
    const m = PIN_LINE.exec(line);
    if (!m) throw new Error(`${PINS_PATH}:${index + 1}: not "<sha256 in lower-case hex>  <file name>": ${line}`);
    if (pins.has(m[2]!)) throw new Error(`${PINS_PATH}:${index + 1}: ${m[2]} is pinned twice`);
    pins.set(m[2]!, m[1]!);
  });
  return pins;
}

export const readPins = (): Pins => parsePins(readFileSync(join(repoRoot, PINS_PATH), 'utf8'));

/** The artifact's pinned SHA-256; an artifact with none is refused, with how to pin it. */
export function pinnedSha256(pins: Pins, artifact: MavenArtifact): string {
  const file = mavenFileName(artifact);
  const pinned = pins.get(file);
  if (pinned) return pinned;
  const coordinates = mavenCoordinates(artifact);
  throw new Error(
    `no SHA-256 pinned for ${file} in ${PINS_PATH}: refusing to fetch it unverified. To pin it, fetch it once ` +
      `(mvn dependency:copy -Dartifact=${coordinates} -DoutputDirectory=/tmp/pin), check that sha256sum /tmp/pin/${file} ` +
      `equals the hash Maven Central publishes beside it (mvn dependency:copy -Dartifact=${coordinates}.sha256 ` +
      `-DoutputDirectory=/tmp/pin), then add the line "<sha256>  ${file}" to ${PINS_PATH} (docs/security-supply-chain.md)`,
  );
}

/** Throws unless `actual` is the pinned hash, naming the file, the expected and the actual hash. */
export function checkSha256(file: string, expected: string, actual: string): void {
  if (actual !== expected) throw new Error(`SHA-256 mismatch for ${file}: expected ${expected} (${PINS_PATH}), got ${actual}`);
}

/** The file's SHA-256 in lower-case hex, read in chunks (the distribution is about 800 MB). */
export function sha256File(path: string): string {
  const hash = createHash('sha256');
  const buffer = Buffer.allocUnsafe(1 << 20);
  const fd = openSync(path, 'r');
  try {
    for (let n; (n = readSync(fd, buffer, 0, buffer.length, null)) > 0;) hash.update(buffer.subarray(0, n));
  } finally {
    closeSync(fd);
  }
  return hash.digest('hex');
}

/** Checks a fetched file against its pin; a file that fails is removed, so that nothing uses it. */
export function verifyPinned(file: string, artifact: MavenArtifact, expected: string): void {
  try {
    checkSha256(basename(file), expected, sha256File(file));
  } catch (err) {
    rmSync(file, { force: true });
    const local = `~/.m2/repository/${artifact.groupId.replaceAll('.', '/')}/${artifact.artifactId}/${artifact.version}/`;
    throw new Error(
      `${(err as Error).message}. Removed ${file}; Maven copies it from its local repository, so if this recurs the copy in ${local} is bad: delete that folder to fetch it again`,
      { cause: err },
    );
  }
}

/**
 * Fetches the artifact through Maven (so it lands in ~/.m2 once) into `outDir` and checks it
 * against its pinned SHA-256; refuses before fetching anything when it has no pin.
 */
export function fetchPinned(artifact: MavenArtifact, outDir: string, options: { pins?: Pins; quiet?: boolean } = {}): string {
  const expected = pinnedSha256(options.pins ?? readPins(), artifact);
  const quiet = (options.quiet ?? true) ? ['-B', '-q', '--no-transfer-progress'] : [];
  const fetched = spawnSync(
    'mvn',
    [
      '-Dstyle.color=never',
      ...quiet,
      'dependency:copy',
      `-Dartifact=${mavenCoordinates(artifact)}`,
      `-DoutputDirectory=${outDir}`,
    ],
    { stdio: ['ignore', 'inherit', 'inherit'] },
  );
  if (fetched.status !== 0) throw new Error(`Maven could not fetch ${mavenCoordinates(artifact)} (exit ${fetched.status})`);
  const file = join(outDir, mavenFileName(artifact));
  verifyPinned(file, artifact, expected);
  return file;
}
