import { describe, expect, it } from 'vitest';
import { attemptDelivery, DeliveryAbandoned, type AttemptDeps } from './attempts.ts';
import { isPaused, receiverHealth, receiverStep, type ReceiverHealth } from './receiver-health.ts';
import type { AttemptResult } from './retry-policy.ts';

const ok: AttemptResult = { kind: 'answered', status: 200 };
const err500: AttemptResult = { kind: 'answered', status: 500 };
const down: AttemptResult = { kind: 'network', error: 'ECONNREFUSED' };

/** A scripted receiver (the last answer repeats) and the pauses asked for. */
function scripted(answers: AttemptResult[], extra: Partial<AttemptDeps> = {}) {
  const sent: number[] = [];
  const slept: number[] = [];
  const deps: AttemptDeps = {
    send: async () => {
      sent.push(sent.length);
      return answers[Math.min(sent.length - 1, answers.length - 1)]!;
    },
    maxAttempts: 4,
    backoff: { baseMs: 100, maxMs: 1000 },
    sleep: async (ms) => void slept.push(ms),
    random: () => 0.5,
    ...extra,
  };
  return { deps, sent, slept };
}

function shared(pauseAfter: number) {
  let state = receiverHealth(pauseAfter);
  return { get: () => state, set: (s: ReceiverHealth) => (state = s) };
}

describe('attempts at one event', () => {
  it('is delivered on the first 2xx, after backing off on retryable failures', async () => {
    const { deps, sent, slept } = scripted([err500, down, { kind: 'timeout', afterMs: 10 }, ok]);
    expect(await attemptDelivery(deps)).toEqual({ kind: 'delivered', attempts: 4, lastError: 'no answer within 10 ms' });
    expect(sent).toHaveLength(4);
    expect(slept).toEqual([50, 100, 200]);
  });

  it('is parked at once when refused (a 4xx other than 408 and 429)', async () => {
    const { deps, sent } = scripted([{ kind: 'answered', status: 422 }]);
    expect(await attemptDelivery(deps)).toEqual({ kind: 'parked', attempts: 1, reason: 'refused: HTTP 422', retryable: false });
    expect(sent).toHaveLength(1);
  });

  it('is parked when its attempts are spent on retryable failures', async () => {
    const { deps, sent, slept } = scripted([err500]);
    const outcome = await attemptDelivery(deps);
    expect(outcome).toMatchObject({ kind: 'parked', attempts: 4, retryable: true });
    expect(outcome.kind === 'parked' && outcome.reason).toContain('4 attempts failed, last: HTTP 500');
    expect(sent).toHaveLength(4);
    expect(slept).toHaveLength(3);
  });

  it('waits what a 429 asks (Retry-After), capped at the maximum pause', async () => {
    const { deps, slept } = scripted([
      { kind: 'answered', status: 429, retryAfter: '0.5' },
      { kind: 'answered', status: 429, retryAfter: '7' },
      { kind: 'answered', status: 503, retryAfter: '0' },
      ok,
    ]);
    await attemptDelivery(deps);
    expect(slept).toEqual([50, 1000, 200]);
  });

  it('gives up when stopping: neither delivered nor parked', async () => {
    const stop = new AbortController();
    const { deps } = scripted([err500], {
      signal: stop.signal,
      sleep: async () => {
        stop.abort();
        throw new Error('aborted');
      },
    });
    await expect(attemptDelivery(deps)).rejects.toBeInstanceOf(DeliveryAbandoned);
  });
});

describe('a receiver down for long', () => {
  it('pauses after N events parked in a row for retryable failures; a 2xx or a refusal ends the run', () => {
    let s = receiverHealth(3);
    for (let i = 0; i < 2; i++) s = receiverStep(s, 'parked-retryable');
    expect(isPaused(s)).toBe(false);
    expect(isPaused(receiverStep(receiverStep(s, 'refused'), 'parked-retryable'))).toBe(false);
    s = receiverStep(s, 'parked-retryable');
    expect(isPaused(s)).toBe(true);
    expect(isPaused(receiverStep(s, 'delivered'))).toBe(false);
    expect(
      isPaused(
        receiverStep(receiverStep(receiverStep(receiverHealth(0), 'parked-retryable'), 'parked-retryable'), 'parked-retryable'),
      ),
    ).toBe(false);
  });

  it('parks the first events, then keeps retrying the next one past its attempts until the receiver answers', async () => {
    const receiver = shared(2);
    for (let i = 0; i < 2; i++) {
      const { deps } = scripted([down], { receiver });
      expect((await attemptDelivery(deps)).kind).toBe('parked');
    }
    expect(isPaused(receiver.get())).toBe(true);
    const answers = [...Array<AttemptResult>(20).fill(down), ok];
    const { deps, sent } = scripted(answers, { receiver });
    expect(await attemptDelivery(deps)).toMatchObject({ kind: 'delivered', attempts: 21 });
    expect(sent).toHaveLength(21);
    expect(isPaused(receiver.get())).toBe(false);
    // Up again: the next event that fails is parked after its attempts, as before.
    const { deps: next } = scripted([err500], { receiver });
    expect((await attemptDelivery(next)).kind).toBe('parked');
  });
});
