import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeEvent, type DecodeResult } from './envelope.ts';
import {
  arbitraryBody,
  arbitraryHeaders,
  edgePayloadMessage,
  hostileMessage,
  nearlyValidMessage,
  outOfRange,
  READER_CURRENCY,
  validMessage,
} from '../../../tests/support/event-messages.ts';

const reader = { shopCurrency: READER_CURRENCY };

/** Fixed seeds: a failure names its seed and path, and the same run reproduces it. */
const runs = (seed: number, numRuns = 2000) => ({ seed, numRuns });

/** What every decode result must satisfy, whatever went in. */
function expectWellFormed(result: DecodeResult) {
  if (result.kind === 'event') {
    expect(outOfRange(result.event)).toEqual([]);
    return;
  }
  expect(result.reason.trim()).not.toBe('');
  // The reason ends up in a text column and an AMQP header: it must be storable and bounded itself.
  expect(result.reason.includes('\u0000')).toBe(false);
  expect(result.reason).not.toMatch(/\p{Cs}/u);
  expect(result.reason.length).toBeLessThanOrEqual(1000);
}

/**
 * Thousands of generated messages per test: on a busy 2-core machine (the whole suite, stacks
 * included, runs beside it) one test can take several seconds, which says nothing about the
 * decoder. The properties are the assertions; the timeout only stops a hung run.
 */
const PROPERTY_TIMEOUT_MS = 60_000;

describe('decodeEvent, property-based', { timeout: PROPERTY_TIMEOUT_MS }, () => {
  it('never throws on arbitrary headers and bodies, and says why whenever it does not return an event', () => {
    fc.assert(
      fc.property(arbitraryHeaders, arbitraryBody, (headers, body) => {
        expectWellFormed(decodeEvent(headers, body, reader));
      }),
      runs(42),
    );
  });

  it('never returns an event outside the read model column ranges, however a valid message is broken', () => {
    fc.assert(
      fc.property(fc.oneof(nearlyValidMessage, edgePayloadMessage), ({ headers, body }) => {
        expectWellFormed(decodeEvent(headers, body, reader));
      }),
      runs(43, 4000),
    );
  });

  it('never throws on any mixture of the two', () => {
    fc.assert(
      fc.property(hostileMessage, ({ headers, body }) => {
        expectWellFormed(decodeEvent(headers, body, reader));
      }),
      runs(44),
    );
  });

  it('decodes every valid Debezium-shaped message, OrderPlaced written as v1 or v2, to exactly the event it was made from (round trip)', () => {
    fc.assert(
      fc.property(validMessage, ({ event, message }) => {
        expect(decodeEvent(message.headers, message.body, reader)).toEqual({ kind: 'event', event });
      }),
      runs(45),
    );
  });
});
