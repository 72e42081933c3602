import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

const JVM_DIR = '/usr/lib/jvm';

/** Major version from a JDK's `release` file (JAVA_VERSION="25.0.3" -> 25), undefined if unreadable. */
export function jdkMajor(javaHome: string): number | undefined {
  const release = join(javaHome, 'release');
  if (!existsSync(release) || !existsSync(join(javaHome, 'bin', 'java'))) return undefined;
  const match = /JAVA_VERSION="(\d+)(?:\.(\d+))?/.exec(readFileSync(release, 'utf8'));
  if (!match) return undefined;
  // Java 8 and older report 1.x.
  return match[1] === '1' ? Number(match[2]) : Number(match[1]);
}

/**
 * A JDK of at least `minMajor` for the Debezium process only: the explicit setting if given,
 * else JAVA_HOME, else the newest under /usr/lib/jvm. The machine's default java is left alone.
 */
export function findJavaHome(minMajor: number, explicit?: string): string | undefined {
  const candidates = [explicit, process.env.JAVA_HOME].filter((c): c is string => Boolean(c));
  if (existsSync(JVM_DIR)) candidates.push(...readdirSync(JVM_DIR).map((d) => join(JVM_DIR, d)));
  if (explicit) return (jdkMajor(explicit) ?? 0) >= minMajor ? explicit : undefined;
  return candidates
    .map((home) => ({ home, major: jdkMajor(home) ?? 0 }))
    .filter((c) => c.major >= minMajor)
    .sort((a, b) => b.major - a.major)[0]?.home;
}
