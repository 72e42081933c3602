import { z } from 'zod';

/** Raised when the environment does not satisfy a service's config schema; lists every bad variable. */
export class ConfigError extends Error {
  constructor(readonly issues: string[]) {
    super(`invalid configuration: ${issues.join('; ')}`);
    this.name = 'ConfigError';
  }
}

/** Empty strings count as unset, so `FOO=` in a .env file falls back to the default. */
export function parseEnv<T extends z.ZodType>(schema: T, env: Record<string, string | undefined>): z.infer<T> {
  const result = schema.safeParse(withoutEmpty(env));
  if (!result.success) {
    throw new ConfigError(result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`));
  }
  return result.data;
}

/** The variables that are set: an empty one counts as unset. */
export function withoutEmpty(env: Record<string, string | undefined>): Record<string, string> {
  return Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== '')) as Record<string, string>;
}

/**
 * The text a setting defaults to, as `.env.example` and docker-compose.yml write it (before any
 * transform: "30 days", not its seconds); undefined when it has none. Read from the declaration
 * itself, so the default is written once: `.default()` on the setting, or on the input of its
 * transform.
 */
export function declaredDefault(setting: z.ZodType): string | undefined {
  const def = setting.def as { type: string; defaultValue?: unknown; in?: z.ZodType };
  if (def.type === 'default') return String(def.defaultValue);
  if (def.type === 'pipe' && def.in) return declaredDefault(def.in);
  return undefined;
}
