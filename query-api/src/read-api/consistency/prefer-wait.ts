/**
 * How long a request with a Consistency-Token waits: the server's bound, or less when the client
 * asks for less with `Prefer: wait=<seconds>` (RFC 7240; `Prefer: respond-async, wait=2` and
 * several Prefer headers work too). A preference that cannot be read is ignored, as RFC 7240 says.
 * `applied` is the Preference-Applied value to answer with, when the preference was followed.
 */
export function waitFor(prefer: string | string[] | undefined, boundMs: number): { ms: number; applied?: string } {
  const headers = prefer === undefined ? [] : Array.isArray(prefer) ? prefer : [prefer];
  for (const header of headers)
    for (const preference of header.split(',')) {
      const [name, value] = (preference.split(';')[0] ?? '').split('=').map((s) => s.trim());
      if (name?.toLowerCase() !== 'wait' || value === undefined) continue;
      const seconds = /^"?(\d{1,6})"?$/.exec(value)?.[1];
      if (seconds === undefined) continue;
      const ms = Number(seconds) * 1000;
      return ms <= boundMs ? { ms, applied: `wait=${seconds}` } : { ms: boundMs };
    }
  return { ms: boundMs };
}
