/** `X/Y` (hex halves) as a number that compares like the WAL position. */
export function parseLsn(text: string): bigint {
  const [high, low] = text.split('/');
  if (high === undefined || low === undefined || !/^[0-9A-F]+$/i.test(high) || !/^[0-9A-F]+$/i.test(low)) {
    throw new Error(`not an LSN: ${text}`);
  }
  return (BigInt(`0x${high}`) << 32n) + BigInt(`0x${low}`);
}
