import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MAX_TOKEN_EVENTS, decodeToken, encodeToken, tokenSource } from './token.ts';

const source = tokenSource('6f1c2d3e-4a5b-4c6d-8e7f-0a1b2c3d4e5f');

describe('Consistency-Token', () => {
  it('reads back what it wrote: source, issue time (seconds), every event id in order', () => {
    fc.assert(
      fc.property(
        fc.array(fc.uuid(), { minLength: 1, maxLength: MAX_TOKEN_EVENTS }),
        fc.integer({ min: 0, max: 4_000_000_000 }),
        (ids, seconds) => {
          const token = encodeToken({ source, issuedAt: new Date(seconds * 1000), eventIds: ids });
          expect(decodeToken(token, source)).toEqual({
            ok: true,
            token: { source, issuedAt: new Date(seconds * 1000), eventIds: ids },
          });
        },
      ),
    );
  });

  it(`reads back its longest token, ${MAX_TOKEN_EVENTS} events (the property above rarely draws that many)`, () => {
    const ids = Array.from({ length: MAX_TOKEN_EVENTS }, () => randomUUID());
    const token = encodeToken({ source, issuedAt: new Date(0), eventIds: ids });
    expect(decodeToken(token, source)).toEqual({ ok: true, token: { source, issuedAt: new Date(0), eventIds: ids } });
  });

  it('stays short: 101 events (an order of 100 lines) in under 2,300 characters', () => {
    const token = encodeToken({ source, issuedAt: new Date(), eventIds: Array.from({ length: 101 }, () => randomUUID()) });
    expect(token.length).toBeLessThan(2_300);
  });

  it('never throws on any text, and accepts nothing but its own form', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 300 }), (text) => {
        const read = decodeToken(text, source);
        if (read.ok) expect(encodeToken(read.token)).toBe(text);
      }),
    );
    const good = encodeToken({ source, issuedAt: new Date(), eventIds: [randomUUID()] });
    for (const bad of [
      '',
      good.slice(0, -1),
      `${good}=`,
      good.replace('ct1', 'ct0'),
      good.replace(/\.[0-9a-z]+\./, '.ZZ.'),
      'ct1.x.y.z',
      `${good}.extra`,
    ])
      expect(decodeToken(bad, source)).toMatchObject({ ok: false, problem: 'malformed' });
    expect(decodeToken('a'.repeat(5000), source)).toMatchObject({ ok: false, problem: 'malformed' });
  });

  it("refuses another pipeline's token as foreign", () => {
    const other = tokenSource('0f1c2d3e-4a5b-4c6d-8e7f-0a1b2c3d4e5f');
    const token = encodeToken({ source: other, issuedAt: new Date(), eventIds: [randomUUID()] });
    expect(decodeToken(token, source)).toMatchObject({ ok: false, problem: 'foreign' });
  });

  it('will not write a token of no events or of too many', () => {
    expect(() => encodeToken({ source, issuedAt: new Date(), eventIds: [] })).toThrow();
    expect(() =>
      encodeToken({ source, issuedAt: new Date(), eventIds: Array.from({ length: MAX_TOKEN_EVENTS + 1 }, () => randomUUID()) }),
    ).toThrow();
  });
});
