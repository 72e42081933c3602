import { z } from 'zod';

/** The kinds of value a setting takes; each setting itself is declared in settings.ts or a service's config.ts. */

export const port = (fallback: number) => z.coerce.number().int().min(1).max(65535).default(fallback);

/** A lower-case SQL identifier (slot, publication, table names): it ends up in SQL and Debezium's settings. */
export const sqlIdentifier = (fallback: string) =>
  z
    .string()
    .regex(/^[a-z0-9_]+$/, 'a lower-case SQL identifier')
    .default(fallback);

const SECONDS_PER: Record<string, number> = { minute: 60, hour: 3600, day: 86_400, week: 604_800 };

/**
 * A span of time written as `<n> <unit>` (minutes, hours, days, weeks: "1 day", "30 days",
 * "15 minutes"), read as seconds.
 */
export const duration = (fallback: string) =>
  z
    .string()
    .default(fallback)
    .transform((text, ctx) => {
      const match = /^\s*(\d+)\s*(minute|hour|day|week)s?\s*$/.exec(text);
      if (!match || Number(match[1]) === 0) {
        ctx.addIssue({ code: 'custom', message: 'a positive span such as "15 minutes", "12 hours", "30 days" or "2 weeks"' });
        return z.NEVER;
      }
      return Number(match[1]) * SECONDS_PER[match[2]!]!;
    });

export const millis = (fallback: number) => z.coerce.number().int().min(100).max(3_600_000).default(fallback);

/**
 * The shop's currency, an ISO 4217 code the runtime knows whose minor unit is a hundredth: the
 * whole system keeps money in cents (prices and amounts with at most two decimals, numeric(_, 2)
 * columns), so a currency of zero or three decimals (JPY, KWD) would be stored a hundred times off.
 */
export const shopCurrency = (fallback: string) =>
  z
    .string()
    .default(fallback)
    .refine(
      (code) =>
        /^[A-Z]{3}$/.test(code) &&
        Intl.supportedValuesOf('currency').includes(code) &&
        new Intl.NumberFormat('en', { style: 'currency', currency: code }).resolvedOptions().maximumFractionDigits === 2,
      'an ISO 4217 currency code in capitals whose minor unit is a hundredth (USD, EUR, GBP, ...)',
    );
