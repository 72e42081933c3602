import type { Config } from '../config.ts';
import type { ReconcilerSettings } from './reconciler.ts';

/** Outbox events read per audit window: one query each side, a few hundred kB. */
const WINDOW_SIZE = 5000;

export function reconcilerSettings(config: Config): ReconcilerSettings {
  return {
    graceMs: config.RECONCILE_GRACE_MS,
    windowSize: WINDOW_SIZE,
    healRetryMs: config.RECONCILE_HEAL_RETRY_MS,
    signalTable: config.DEBEZIUM_SIGNAL_TABLE,
  };
}
