/**
 * Text as Postgres and RabbitMQ take it. Shared by the HTTP input rules, the event decoder and the
 * projector's dead-letter notes, so "storable" means one thing everywhere.
 */

/**
 * Text Postgres stores and compares exactly as sent: no NUL (text columns refuse it) and no lone
 * UTF-16 surrogate (not Unicode: the driver would store U+FFFD, and jsonb refuses its escape).
 */
export const isStorableText = (s: string): boolean => !s.includes('\u0000') && !LONE_SURROGATE.test(s);

export const STORABLE_TEXT_MESSAGE = 'must be Unicode text without NUL characters';

/** With the u flag, \p{Cs} matches only surrogates that are not half of a pair. */
const LONE_SURROGATE = /\p{Cs}/u;
const LONE_SURROGATES = /\p{Cs}/gu;

// Fatal: invalid bytes are an error, not U+FFFD (Buffer#toString would substitute silently).
// ignoreBOM keeps a leading BOM in the text, as Buffer#toString does, so JSON.parse still refuses it.
const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** The bytes as UTF-8 text, or undefined when they are not valid UTF-8 (overlong forms, encoded surrogates, stray bytes). */
export function decodeUtf8(bytes: Uint8Array): string | undefined {
  try {
    return strictUtf8.decode(bytes);
  } catch {
    return undefined;
  }
}

/**
 * Any text made storable, for messages we write ourselves about input we did not choose (a
 * dead-letter reason quoting it): NUL dropped, lone surrogates replaced by U+FFFD, and cut to at
 * most `maxLength` UTF-16 units without splitting a surrogate pair.
 */
export function toStorableText(text: string, maxLength: number): string {
  const clean = text.replaceAll('\u0000', '').replace(LONE_SURROGATES, '\ufffd');
  if (clean.length <= maxLength) return clean;
  const cut = clean.slice(0, maxLength);
  // A high surrogate left last lost its partner to the cut.
  return /[\ud800-\udbff]$/.test(cut) ? cut.slice(0, -1) : cut;
}
