import { classify, retryDelayMs, type AttemptResult, type BackoffSettings } from './retry-policy.ts';
import { isPaused, receiverStep, type ReceiverHealth } from './receiver-health.ts';

/** How the attempts at one event ended. */
export type DeliveryOutcome =
  | { kind: 'delivered'; attempts: number; lastError: string | null }
  /** Refused (a 4xx) or its attempts ran out: set aside with the reason, the shard moves on. */
  | { kind: 'parked'; attempts: number; reason: string; retryable: boolean };

/** The notifier is stopping: the event is neither delivered nor parked, and goes back to its queue. */
export class DeliveryAbandoned extends Error {
  constructor() {
    super('stopping: delivery abandoned, the event goes back to its queue');
    this.name = 'DeliveryAbandoned';
  }
}

export interface AttemptDeps {
  send(): Promise<AttemptResult>;
  maxAttempts: number;
  backoff: BackoffSettings;
  /** Shared by every shard; undefined: never pause (the re-drive, which an operator watches). */
  receiver?: { get(): ReceiverHealth; set(state: ReceiverHealth): void };
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
  random(): number;
  signal?: AbortSignal;
  /** Each failed attempt, with why and the pause before the next (none when it was the last). */
  onFailedAttempt?(reason: string, attempt: number, nextInMs: number | undefined): void;
}

/**
 * Attempts one event until it is delivered, refused or, with its attempts spent, parked: the
 * retry policy (retry-policy.ts) says what is retried and after how long; while the receiver
 * looks down (receiver-health.ts) the attempts go on past the limit instead of parking.
 */
export async function attemptDelivery(deps: AttemptDeps): Promise<DeliveryOutcome> {
  let lastError: string | null = null;
  for (let attempt = 1; ; attempt++) {
    if (deps.signal?.aborted) throw new DeliveryAbandoned();
    const verdict = classify(await deps.send());
    if (verdict.verdict === 'delivered') {
      update(deps, 'delivered');
      return { kind: 'delivered', attempts: attempt, lastError };
    }
    lastError = verdict.reason;
    if (verdict.verdict === 'refused') {
      deps.onFailedAttempt?.(verdict.reason, attempt, undefined);
      update(deps, 'refused');
      return { kind: 'parked', attempts: attempt, reason: `refused: ${verdict.reason}`, retryable: false };
    }
    const paused = deps.receiver ? isPaused(deps.receiver.get()) : false;
    if (attempt >= deps.maxAttempts && !paused) {
      deps.onFailedAttempt?.(verdict.reason, attempt, undefined);
      update(deps, 'parked-retryable');
      return {
        kind: 'parked',
        attempts: attempt,
        reason: `${attempt} attempts failed, last: ${verdict.reason}`,
        retryable: true,
      };
    }
    const delay = retryDelayMs(attempt - 1, deps.backoff, deps.random, verdict.retryAfterMs);
    deps.onFailedAttempt?.(verdict.reason, attempt, delay);
    try {
      await deps.sleep(delay, deps.signal);
    } catch {
      throw new DeliveryAbandoned();
    }
  }
}

function update(deps: AttemptDeps, event: Parameters<typeof receiverStep>[1]): void {
  if (deps.receiver) deps.receiver.set(receiverStep(deps.receiver.get(), event));
}
