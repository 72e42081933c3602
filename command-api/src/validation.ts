import { z } from 'zod';
import { isStorableText, STORABLE_TEXT_MESSAGE } from '@shop/shared/http';
import { hasAtMostTwoDecimals } from '@shop/shared/money';

/** Field rules of the contract (docs/contract.md, "Limits"), shared by products and orders. */

export const MAX_INT32 = 2_147_483_647;

/** Trimmed text of bounded length; what Postgres would refuse or alter (NUL, lone surrogates) is refused here. */
export const text = (max: number) => z.string().trim().min(1).max(max).refine(isStorableText, STORABLE_TEXT_MESSAGE);

export const money = z.number().positive().max(1_000_000).refine(hasAtMostTwoDecimals, 'at most 2 decimals');

export const positiveId = z.number().int().positive().max(MAX_INT32);
