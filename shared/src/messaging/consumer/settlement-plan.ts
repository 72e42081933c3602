/** How one delivery of a batch ends once its verdict is carried out. */
export type Outcome = 'ack' | 'return';

export type SettlementOp = { kind: 'ack'; tag: number; multiple: boolean } | { kind: 'return'; tag: number };

/**
 * The AMQP settlements for a batch, given every delivery of the channel still unsettled (ascending
 * delivery tags) and the outcome of each delivery of the batch. A cumulative ack (`multiple`)
 * settles every unsettled delivery up to its tag, so it is used only for the run of acks that
 * starts at the lowest unsettled tag: it can never cover a delivery that was not applied or that
 * belongs to another batch. Everything else is settled one by one; deliveries without an outcome
 * are left alone.
 */
export function planSettlements(unsettled: readonly number[], outcomes: ReadonlyMap<number, Outcome>): SettlementOp[] {
  for (const tag of outcomes.keys()) {
    if (!unsettled.includes(tag)) throw new Error(`delivery ${tag} has an outcome but is not unsettled`);
  }
  const ops: SettlementOp[] = [];
  let run = 0;
  while (run < unsettled.length && outcomes.get(unsettled[run]!) === 'ack') run++;
  if (run > 0) ops.push({ kind: 'ack', tag: unsettled[run - 1]!, multiple: run > 1 });
  for (const tag of unsettled.slice(run)) {
    const outcome = outcomes.get(tag);
    if (outcome === 'ack') ops.push({ kind: 'ack', tag, multiple: false });
    else if (outcome === 'return') ops.push({ kind: 'return', tag });
  }
  return ops;
}

/** The deliveries an op settles, given the unsettled tags before it. */
export function settledBy(op: SettlementOp, unsettled: readonly number[]): number[] {
  if (op.kind === 'ack' && op.multiple) return unsettled.filter((tag) => tag <= op.tag);
  return [op.tag];
}
