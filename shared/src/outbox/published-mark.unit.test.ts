import { describe, expect, it } from 'vitest';
import { publishedStep, type PublishedState } from './published-mark.ts';

const empty: PublishedState = { published: null, samples: [] };
const sample = (mark: number, lsn: number) => ({ mark, lsn: BigInt(lsn) });

describe('publishedStep', () => {
  it('no mark is published before Debezium has confirmed the WAL position read after it', () => {
    const state = publishedStep(empty, sample(10, 100), 99n);
    expect(state).toEqual({ published: null, samples: [sample(10, 100)] });
    expect(publishedStep(state, sample(12, 120), 100n)).toEqual({ published: 10, samples: [sample(12, 120)] });
  });

  it('takes the newest confirmed sample and forgets the older ones', () => {
    const state: PublishedState = { published: 5, samples: [sample(10, 100), sample(12, 120)] };
    expect(publishedStep(state, sample(15, 150), 130n)).toEqual({ published: 12, samples: [sample(15, 150)] });
  });

  it('while Debezium is stopped or its slot is gone, keeps what it had and waits', () => {
    const state: PublishedState = { published: 5, samples: [sample(10, 100)] };
    expect(publishedStep(state, sample(12, 120), null)).toEqual({ published: 5, samples: [sample(10, 100), sample(12, 120)] });
    expect(publishedStep(state, null, 90n)).toEqual(state);
  });

  it('never goes back', () => {
    expect(publishedStep({ published: 50, samples: [] }, sample(40, 100), 200n).published).toBe(50);
  });
});
