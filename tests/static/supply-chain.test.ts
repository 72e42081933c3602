import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { parseEnv } from 'node:util';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import * as debezium from '../../infra/src/native/debezium-server.ts';
import { devStackConfig, repoRoot } from '../../infra/src/stack-config.ts';

/**
 * Supply chain (docs/security-supply-chain.md): everything fetched at start or build is checked
 * against a SHA-256 pinned in the repository, in one file for Maven artifacts; npm installs run no
 * dependency's install scripts and no telemetry.
 */
const PINS = 'infra/maven-artifacts.sha256';
const VERIFY = 'infra/docker/verify-pinned.sh';
const read = (path: string) => readFileSync(join(repoRoot, path), 'utf8');

/** The pins as the file has them: file name -> sha256 (an empty map while the file is missing). */
function pins(): Map<string, string> {
  if (!existsSync(join(repoRoot, PINS))) return new Map();
  const lines = read(PINS)
    .split('\n')
    .filter((line) => line.trim() && !line.startsWith('#'));
  return new Map(lines.map((line) => [line.slice(66), line.slice(0, 64)]));
}

interface Instruction {
  keyword: string;
  args: string;
}

/** A Dockerfile's instructions, continuation lines joined, comments dropped. */
function instructions(text: string): Instruction[] {
  return text
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line && !line.startsWith('#'))
    .map((line) => {
      const [keyword, ...rest] = line.split(/\s+/);
      return { keyword: keyword!.toUpperCase(), args: rest.join(' ') };
    });
}

/** `${NAME}` and `$NAME` replaced by each ARG's default, as a build without --build-arg does. */
function withArgDefaults(all: Instruction[], text: string): string {
  const defaults = new Map<string, string>();
  for (const { keyword, args } of all) {
    const m = keyword === 'ARG' ? /^([A-Za-z_][A-Za-z0-9_]*)=(\S+)$/.exec(args) : null;
    if (m && !defaults.has(m[1]!)) defaults.set(m[1]!, m[2]!);
  }
  return text.replace(/\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?/g, (whole, name: string) => defaults.get(name) ?? whole);
}

interface RemoteAdd {
  dockerfile: string;
  url: string;
  /** Where the file lands in the image. */
  target: string;
  checksum: string | undefined;
}

const dockerfiles = readdirSync(join(repoRoot, 'infra/docker'))
  .filter((f) => f.endsWith('.Dockerfile'))
  .map((f) => `infra/docker/${f}`);

function remoteAdds(dockerfile: string): { adds: RemoteAdd[]; runs: string[] } {
  const all = instructions(read(dockerfile));
  const adds: RemoteAdd[] = [];
  for (const { keyword, args } of all) {
    if (keyword !== 'ADD') continue;
    const words = withArgDefaults(all, args).split(/\s+/);
    const flags = words.filter((w) => w.startsWith('--'));
    const [dest, ...sources] = words.filter((w) => !w.startsWith('--')).reverse();
    for (const url of sources.filter((s) => /^https?:\/\//.test(s))) {
      adds.push({
        dockerfile,
        url,
        target: dest!.endsWith('/') ? `${dest}${basename(url)}` : dest!,
        checksum: flags.map((f) => /^--checksum=sha256:([0-9a-f]{64})$/.exec(f)?.[1]).find(Boolean),
      });
    }
  }
  const runs = all.filter((i) => i.keyword === 'RUN').map((i) => withArgDefaults(all, i.args));
  return { adds, runs };
}

describe('supply chain: what is fetched at start or build is verified against a pinned SHA-256', () => {
  it('every Dockerfile that fetches a URL verifies the file: ADD --checksum, or the pins check on it', () => {
    const adds = dockerfiles.flatMap((f) => remoteAdds(f).adds);
    expect(adds.length).toBeGreaterThan(0);
    for (const add of adds) {
      if (add.checksum) continue;
      const { runs } = remoteAdds(add.dockerfile);
      const verified = runs.some((run) => run.includes(basename(VERIFY)) && run.includes(add.target));
      expect(verified, `${add.dockerfile}: ADD ${add.url} is never checked against a pinned SHA-256`).toBe(true);
    }
  });

  it('every file a Dockerfile fetches has its SHA-256 pinned, at the ARG defaults', () => {
    const pinned = pins();
    for (const add of dockerfiles.flatMap((f) => remoteAdds(f).adds)) {
      const file = basename(add.url);
      expect(pinned.get(file), `${add.dockerfile}: ${file} not pinned in ${PINS}`).toMatch(/^[0-9a-f]{64}$/);
      if (add.checksum)
        expect(add.checksum, `${add.dockerfile}: --checksum of ${file} differs from ${PINS}`).toBe(pinned.get(file));
    }
  });

  it('the Debezium distribution and its tracing jars are pinned at the default versions, the same everywhere', () => {
    const version = devStackConfig({}, join(repoRoot, 'no-such.env')).DEBEZIUM_VERSION;
    expect(parseEnv(read('.env.example')).DEBEZIUM_VERSION).toBe(version);
    for (const file of ['docker-compose.yml', 'docker-compose.observability.yml', 'infra/docker/debezium-tracing.Dockerfile'])
      expect(read(file), file).toContain(version);
    const pinned = pins();
    expect(pinned.get(`debezium-server-dist-${version}.tar.gz`), `debezium-server-dist-${version}.tar.gz`).toMatch(
      /^[0-9a-f]{64}$/,
    );
    // The tracing jars are fetched at the OpenTelemetry SDK version that distribution ships
    // (debezium/README.md), which the Dockerfile's OTEL_SDK_VERSION names.
    const sdk = /^ARG OTEL_SDK_VERSION=(\S+)$/m.exec(read('infra/docker/debezium-tracing.Dockerfile'))?.[1];
    const tracing = (debezium as { TRACING_ARTIFACTS?: readonly string[] }).TRACING_ARTIFACTS ?? [];
    expect(tracing.length, 'TRACING_ARTIFACTS exported by debezium-server.ts').toBe(2);
    for (const artifact of tracing)
      expect(pinned.get(`${artifact}-${sdk}.jar`), `${artifact}-${sdk}.jar`).toMatch(/^[0-9a-f]{64}$/);
  });

  it('fetches with Maven, curl or wget nowhere but in the verified fetcher', () => {
    const allowed = [
      'infra/src/native/pinned-artifacts.ts',
      // Only checks that mvn is installed.
      'infra/src/native/prerequisites.ts',
    ];
    const fetching = /dependency:(copy|get|unpack)\b|['"]mvn['"]|\bcurl\s+(-|https?:)|\bwget\s/;
    const tracked = execFileSync('git', ['ls-files'], { cwd: repoRoot, encoding: 'utf8' })
      .split('\n')
      .filter((f) => /\.(ts|js|sh|ya?ml|Dockerfile)$|^\.ci\//.test(f) && f !== 'tests/static/supply-chain.test.ts')
      .filter((f) => !f.endsWith('.unit.test.ts') && existsSync(join(repoRoot, f)));
    expect(tracked.length).toBeGreaterThan(50);
    const offenders = tracked.filter((f) => !allowed.includes(f) && fetching.test(read(f)));
    expect(offenders).toEqual([]);
  });

  it(`${PINS} is well-formed: "<sha256>  <file name>" per line, each file once`, () => {
    const lines = read(PINS)
      .split('\n')
      .filter((line) => line.trim() && !line.startsWith('#'));
    expect(lines.length).toBeGreaterThanOrEqual(3);
    for (const line of lines) expect(line).toMatch(/^[0-9a-f]{64} {2}[A-Za-z0-9._-]+$/);
    expect(new Set(lines.map((l) => l.slice(66))).size).toBe(lines.length);
  });
});

describe(`${VERIFY} (the Dockerfile's check of what it ADDs)`, () => {
  const dir = mkdtempSync(join(tmpdir(), 'verify-pinned-'));
  const jar = join(dir, 'thing-1.0.jar');
  writeFileSync(jar, 'abc');
  const SHA_ABC = 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad';
  const verify = (pinText: string) => {
    const pinFile = join(dir, `pins-${Math.random()}.sha256`);
    writeFileSync(pinFile, pinText);
    return spawnSync('sh', [join(repoRoot, VERIFY), pinFile, jar], { encoding: 'utf8' });
  };

  it('passes a file whose SHA-256 is the pinned one', () => {
    const run = verify(`# pins\n${'0'.repeat(64)}  other.jar\n${SHA_ABC}  thing-1.0.jar\n`);
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
  });

  it('stops on a wrong hash, naming the file, the expected and the actual hash', () => {
    const run = verify(`${'f'.repeat(64)}  thing-1.0.jar\n`);
    expect(run.status).toBe(1);
    expect(run.stderr).toContain(`SHA-256 mismatch for thing-1.0.jar: expected ${'f'.repeat(64)} (${PINS}), got ${SHA_ABC}`);
  });

  it('refuses a file with no pin, saying how to pin one', () => {
    const run = verify(`${SHA_ABC}  thing-2.0.jar\n`);
    expect(run.status).toBe(1);
    expect(run.stderr).toContain(`no SHA-256 pinned for thing-1.0.jar in ${PINS}`);
    expect(run.stderr).toContain('docs/security-supply-chain.md');
  });
});

describe('npm installs: no telemetry, no dependency install scripts, every package pinned by the lockfile', () => {
  const lock = JSON.parse(read('package-lock.json')) as {
    packages: Record<
      string,
      { version?: string; resolved?: string; integrity?: string; link?: boolean; hasInstallScript?: boolean }
    >;
  };
  const installed = Object.entries(lock.packages).filter(([path, entry]) => path.includes('node_modules/') && !entry.link);
  /**
   * Every dependency with an install script, and why it is not needed: `ignore-scripts` skips
   * them all. A new one fails this test: review what its script does first.
   */
  const REVIEWED_INSTALL_SCRIPTS: Record<string, string> = {
    'node_modules/@scarf/scarf':
      "install analytics (swagger-ui-dist's dependency): posts to its vendor on every install; opted out and never run",
    'node_modules/esbuild':
      'checks the binary of @esbuild/<platform> (installed as an optional dependency without it) and downloads it when missing',
  };

  it("opts out of Scarf's install analytics (swagger-ui-express -> swagger-ui-dist -> @scarf/scarf)", () => {
    expect((JSON.parse(read('package.json')) as { scarfSettings?: unknown }).scarfSettings).toEqual({ enabled: false });
  });

  it('runs no install script of a dependency: ignore-scripts in .npmrc and in the image build', () => {
    expect(read('.npmrc').split('\n')).toContain('ignore-scripts=true');
    const npmCi = read('infra/docker/node-service.Dockerfile')
      .split('\n')
      .filter((line) => /^RUN npm (ci|install)\b/.test(line));
    expect(npmCi.length).toBeGreaterThan(0);
    for (const line of npmCi) expect(line).toContain('--ignore-scripts');
  });

  it('has reviewed every dependency that has an install script', () => {
    const withScripts = installed.filter(([, entry]) => entry.hasInstallScript).map(([path]) => path);
    expect(withScripts.sort()).toEqual(Object.keys(REVIEWED_INSTALL_SCRIPTS).sort());
  });

  it('pins every package by a sha512 integrity, from a registry (no git, file or http sources)', () => {
    expect(installed.length).toBeGreaterThan(100);
    for (const [path, entry] of installed) {
      expect(entry.integrity, path).toMatch(/^sha512-[A-Za-z0-9+/]+={0,2}$/);
      if (entry.resolved) expect(entry.resolved, path).toMatch(/^https:\/\/[^/]+\/.+\.tgz$/);
      expect(entry.version, path).toMatch(/^\d+\.\d+\.\d+/);
    }
  });
});

describe('compose builds the tracing image with the pins in its context', () => {
  it("the observability file's Debezium image is built from the repository root", () => {
    const extra = parse(read('docker-compose.observability.yml')) as {
      services: Record<string, { build?: { context: string; dockerfile: string } }>;
    };
    const build = extra.services.debezium!.build!;
    expect(build.context).toBe('.');
    expect(existsSync(join(repoRoot, build.context, build.dockerfile))).toBe(true);
    expect(read(build.dockerfile)).toContain(`COPY ${PINS} ${VERIFY}`);
  });
});
