/**
 * Money is handled in integer cents: exact for every sum the contract allows (at most
 * 1,000,000.00 × 10,000 × 100 lines = 10^14 cents, well below 2^53).
 */

/** A JSON number with at most two decimals to cents; 29.99 -> 2999 (rounding away float noise). */
export const toCents = (amount: number): number => Math.round(amount * 100);

/** A Postgres numeric as text ("29.99", "120", "-3.5") to cents, without going through a float. */
export function centsFromNumeric(text: string): number {
  const match = /^(-?)(\d+)(?:\.(\d{1,2}))?$/.exec(text.trim());
  if (!match) throw new Error(`not a money amount with at most 2 decimals: ${text}`);
  const cents = Number(match[2]) * 100 + Number((match[3] ?? '').padEnd(2, '0'));
  return match[1] ? -cents : cents;
}

/** Cents back to the JSON number the contract returns: 5998 -> 59.98, never 59.980000000000004. */
export const fromCents = (cents: number): number => Number((cents / 100).toFixed(2));

/** Cents as the text Postgres numeric takes as a parameter: 5998 -> "59.98". */
export const centsToNumeric = (cents: number): string => (cents / 100).toFixed(2);

/** True when the number has at most two decimals (checked on cents, so 0.1 + 0.2 style noise passes). */
export const hasAtMostTwoDecimals = (amount: number): boolean => Math.abs(amount * 100 - Math.round(amount * 100)) < 1e-6;
