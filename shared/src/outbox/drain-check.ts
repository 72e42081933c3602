/**
 * The drain of a change of the shard count (docs/scaling.md), as pure steps: the set of events
 * that must be handled (applied or parked) before the new shards may be consumed is exactly the
 * outbox's events at or below the cut P, fixed when the switch committed (it held every writer
 * out). They are read from the log in position windows and looked up on the read side; those not
 * handled yet are kept and looked up again until none is left. Events at or below the inbox's
 * pruning watermark were applied (their inbox rows may be gone) and are never looked up.
 */

export interface LoggedEvent {
  id: string;
  position: number;
}

export interface DrainState {
  /** The switch's position P. */
  cut: number;
  /** Every event at or below this position was read from the log. */
  scannedThrough: number;
  /** Events read from the log and not handled when last looked up. */
  pending: readonly LoggedEvent[];
}

export function startDrain(cut: number, prunedThrough: number): DrainState {
  return { cut, scannedThrough: Math.min(Math.max(prunedThrough, 0), cut), pending: [] };
}

/** The next window of positions to read from the log, (after, cut]; undefined once it is all read. */
export function nextWindow(state: DrainState): { after: number; through: number } | undefined {
  return state.scannedThrough < state.cut ? { after: state.scannedThrough, through: state.cut } : undefined;
}

/**
 * After reading up to `limit` events of the window in position order and looking them up: the
 * window is read up to the last event returned, or to the cut when fewer than `limit` came back.
 */
export function afterScan(
  state: DrainState,
  read: readonly LoggedEvent[],
  limit: number,
  handled: ReadonlySet<string>,
): DrainState {
  const last = read[read.length - 1];
  const scannedThrough = read.length < limit || !last ? state.cut : last.position;
  return { ...state, scannedThrough, pending: [...state.pending, ...read.filter((e) => !handled.has(e.id))] };
}

/** After looking the pending events up again; those the inbox pruned since were applied. */
export function afterRecheck(state: DrainState, handled: ReadonlySet<string>, prunedThrough: number): DrainState {
  return { ...state, pending: state.pending.filter((e) => !handled.has(e.id) && e.position > prunedThrough) };
}

export const isDrained = (state: DrainState): boolean => state.scannedThrough >= state.cut && state.pending.length === 0;
