/**
 * An operator's operation (a rebuild or a reconcile) moves through these states; each store
 * update is guarded by the states its transition may start from, so a late or repeated update
 * (a runner that lost its claim, a second projector) changes nothing.
 *
 *   requested --claim--> running --progress--> running
 *                        running --succeed---> succeeded
 *                        running --fail------> failed
 *                        running --abandon---> failed     (its heartbeat stopped: the process died)
 */
export const OPERATION_KINDS = ['rebuild', 'reconcile'] as const;
export type OperationKind = (typeof OPERATION_KINDS)[number];

export const OPERATION_STATES = ['requested', 'running', 'succeeded', 'failed'] as const;
export type OperationState = (typeof OPERATION_STATES)[number];

export type OperationTransition = 'claim' | 'progress' | 'succeed' | 'fail' | 'abandon';

const transitions: Record<OperationTransition, { from: readonly OperationState[]; to: OperationState }> = {
  claim: { from: ['requested'], to: 'running' },
  progress: { from: ['running'], to: 'running' },
  succeed: { from: ['running'], to: 'succeeded' },
  fail: { from: ['running'], to: 'failed' },
  abandon: { from: ['running'], to: 'failed' },
};

/** The states `transition` may start from (the store's WHERE guard). */
export const fromStates = (transition: OperationTransition): readonly OperationState[] => transitions[transition].from;

/** The state `transition` leaves an operation in (the store's SET). */
export const toState = (transition: OperationTransition): OperationState => transitions[transition].to;
