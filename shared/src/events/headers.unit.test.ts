import { describe, expect, it } from 'vitest';
import { readHeader } from './headers.ts';

describe('readHeader', () => {
  it.each([
    ['a plain string', 'abc', 'abc'],
    ['a JSON-quoted string', '"abc"', 'abc'],
    ['a JSON-quoted string with escapes', '"a\\"b"', 'a"b'],
    ['UTF-8 bytes', Buffer.from('"é"'), 'é'],
    ['an exact integer', 42, '42'],
    ['the largest exact integer', Number.MAX_SAFE_INTEGER, '9007199254740991'],
  ])('reads %s as text', (_what, value, text) => {
    expect(readHeader(value)).toEqual({ ok: true, text });
  });

  it('reads an absent header as no text', () => {
    expect(readHeader(undefined)).toEqual({ ok: true, text: undefined });
    expect(readHeader(null)).toEqual({ ok: true, text: undefined });
  });

  it.each([
    ['bytes that are not UTF-8', Buffer.from([0xff]), /not valid UTF-8/],
    ['a fraction', 1.5, /1\.5, not an exact integer/],
    ['a number past 2^53', 2 ** 63, /not an exact integer/],
    ['NaN', NaN, /NaN/],
    ['a boolean', true, /a boolean/],
    ['a bigint', 10n, /a bigint/],
    ['an array', ['"x"'], /an array/],
    ['a table', { a: 1 }, /an object/],
    ['a null-prototype object', Object.create(null) as object, /an object/],
    ['a symbol', Symbol('x'), /a symbol/],
  ])('says why %s is not text', (_what, value, problem) => {
    const read = readHeader(value);
    expect(read.ok).toBe(false);
    expect(!read.ok && read.problem).toMatch(problem);
  });
});
