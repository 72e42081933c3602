import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  checkSha256,
  mavenFileName,
  parsePins,
  pinnedSha256,
  PINS_PATH,
  sha256File,
  type MavenArtifact,
} from './pinned-artifacts.ts';

const DIST: MavenArtifact = {
  groupId: 'io.debezium',
  artifactId: 'debezium-server-dist',
  version: '9.9.9.Final',
  type: 'tar.gz',
};
const A = 'a'.repeat(64);
const B = 'b'.repeat(64);

describe('pinned SHA-256 of fetched artifacts', () => {
  it("names an artifact's file as Maven does", () => {
    expect(mavenFileName(DIST)).toBe('debezium-server-dist-9.9.9.Final.tar.gz');
  });

  it('reads "<sha256>  <file>" lines, skipping comments and blank lines', () => {
    const pins = parsePins(`# a comment\n\n${A}  debezium-server-dist-9.9.9.Final.tar.gz\n${B}  x-1.0.jar\n`);
    expect([...pins]).toEqual([
      ['debezium-server-dist-9.9.9.Final.tar.gz', A],
      ['x-1.0.jar', B],
    ]);
  });

  it('rejects a malformed line, with its line number, and a file pinned twice', () => {
    expect(() => parsePins(`${A}  ok.jar\n${A.slice(1)}  short.jar\n`)).toThrow(`${PINS_PATH}:2`);
    expect(() => parsePins(`${A.toUpperCase()}  upper.jar\n`)).toThrow(`${PINS_PATH}:1`);
    expect(() => parsePins(`${A}  twice.jar\n${B}  twice.jar\n`)).toThrow('twice.jar is pinned twice');
  });

  it('gives the pinned hash of an artifact', () => {
    const pins = parsePins(`${A}  debezium-server-dist-9.9.9.Final.tar.gz\n`);
    expect(pinnedSha256(pins, DIST)).toBe(A);
  });

  it('refuses an artifact without a pin, saying how to pin one (nothing is skipped)', () => {
    const pins = parsePins(`${A}  debezium-server-dist-1.0.0.Final.tar.gz\n`);
    let message = '';
    try {
      pinnedSha256(pins, DIST);
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toContain(`no SHA-256 pinned for debezium-server-dist-9.9.9.Final.tar.gz in ${PINS_PATH}`);
    // How to pin it: the fetch, the hash Maven Central publishes beside it, the line to add.
    expect(message).toContain('-Dartifact=io.debezium:debezium-server-dist:9.9.9.Final:tar.gz ');
    expect(message).toContain('-Dartifact=io.debezium:debezium-server-dist:9.9.9.Final:tar.gz.sha256');
    expect(message).toContain(`"<sha256>  debezium-server-dist-9.9.9.Final.tar.gz"`);
  });

  it('accepts the pinned hash and rejects any other, naming the file, the expected and the actual hash', () => {
    expect(() => checkSha256('x-1.0.jar', A, A)).not.toThrow();
    expect(() => checkSha256('x-1.0.jar', A, B)).toThrow(
      `SHA-256 mismatch for x-1.0.jar: expected ${A} (${PINS_PATH}), got ${B}`,
    );
  });

  it('hashes a file as sha256sum does', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'pins-')), 'abc.txt');
    writeFileSync(file, 'abc');
    expect(sha256File(file)).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });
});
