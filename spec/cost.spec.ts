// The serial fallback's cost model, without threads or clocks: samples in, decisions out.
import { CostModel } from '#internal/call/cost.js';

const KEY = CostModel.key(3, 2);

/** How many of `calls` consecutive calls the model asks to time. */
function timed(m: CostModel, calls: number, n: number, thresholdUs: number): number {
  let count = 0;
  for (let k = 0; k < calls; k++) if (m.shouldMeasure(KEY, n, thresholdUs)) count++;
  return count;
}

describe('CostModel', () => {
  test('nothing is below the threshold before the first sample; the first sample is taken as is', () => {
    const m = new CostModel();
    expect(m.below(KEY, 1, 20)).toBe(false);
    expect(m.shouldMeasure(KEY, 1000, 20)).toBe(true);
    m.learn(KEY, 2, false); // 2 ns per iteration: 1000 iterations take 2 us
    expect(m.below(KEY, 1000, 20)).toBe(true);
    expect(m.below(KEY, 10_000, 20)).toBe(false); // 20 us is not under 20 us
    expect(m.below(CostModel.key(3, 1), 1000, 20)).toBe(false); // another kind of the same body
  });

  test('a single sample over 4x the estimate is held back; the next call is timed and decides', () => {
    const m = new CostModel();
    m.learn(KEY, 2, false);
    m.learn(KEY, 5000, false); // one descheduled run of a 1000-iteration loop (5 ms)
    expect(m.below(KEY, 1000, 20)).toBe(true); // not sent to the team for it
    expect(m.shouldMeasure(KEY, 1000, 20)).toBe(true); // the next call is timed, whatever the count
    m.learn(KEY, 2, false); // and was normal: the outlier is forgotten
    expect(m.below(KEY, 1000, 20)).toBe(true);
    expect(timed(m, 64, 1000, 20)).toBe(1); // back to sampling (1 in 64 far below the threshold)
  });

  test('a slowdown confirmed by the next sample moves the estimate at once', () => {
    const m = new CostModel();
    m.learn(KEY, 2, false);
    m.learn(KEY, 100, false);
    m.learn(KEY, 100, false); // confirmed: the body really got slower
    expect(m.below(KEY, 1000, 20)).toBe(false); // (2 + 100) / 2 = 51 ns: 51 us predicted
  });

  test('samples within 4x are averaged; upper bounds only lower the estimate', () => {
    const m = new CostModel();
    m.learn(KEY, 10, false);
    m.learn(KEY, 30, false); // 20
    expect(m.below(KEY, 999, 20)).toBe(true);
    expect(m.below(KEY, 1000, 20)).toBe(false);
    m.learn(KEY, 1000, true); // a wall-time bound above the estimate says nothing
    expect(m.below(KEY, 999, 20)).toBe(true);
    m.learn(KEY, 5, true); // a bound under it does
    expect(m.below(KEY, 3999, 20)).toBe(true);
  });

  test('a sample far under the estimate replaces it (an inflated estimate is corrected at once)', () => {
    const m = new CostModel();
    m.learn(KEY, 300_000, true); // a cold start's wall-time bound: 300 us per iteration
    expect(m.piece(KEY, 0.5, 1 << 20)).toBe(1);
    m.learn(KEY, 2, false); // the first real sample
    expect(m.below(KEY, 1000, 20)).toBe(true);
    expect(m.piece(KEY, 0.5, 1 << 20)).toBe(250_000);
    m.learn(KEY, 3, false); // within 4x: averaged
    expect(m.below(KEY, 7999, 20)).toBe(true);
    expect(m.below(KEY, 8000, 20)).toBe(false);
  });

  test('each loop is sampled on its own count: loops called in turn are all timed', () => {
    const m = new CostModel();
    const keys = [CostModel.key(1, 1), CostModel.key(2, 1), CostModel.key(3, 4), CostModel.key(4, 2)];
    for (const k of keys) m.learn(k, 1, false);
    const timedBy = keys.map(() => 0);
    for (let round = 0; round < 640; round++) keys.forEach((k, j) => void (m.shouldMeasure(k, 100, 20) && timedBy[j]!++));
    expect(timedBy).toEqual([10, 10, 10, 10]);
    // So a loop that got expensive is noticed while another loop runs in between.
    const [a, b] = keys as [number, number];
    for (let round = 0; round < 200 && m.below(b, 100, 20); round++) {
      if (m.shouldMeasure(a, 100, 20)) m.learn(a, 1, false);
      if (m.shouldMeasure(b, 100, 20)) m.learn(b, 10_000, false); // 1 ms per call now
    }
    expect(m.below(b, 100, 20)).toBe(false);
  });

  test('pieces of per-index blocks: about the target time each, 1..max iterations, 0 while unknown', () => {
    const m = new CostModel();
    expect(m.piece(KEY, 0.5, 1024)).toBe(0);
    m.learn(KEY, 2, false); // 2 ns per iteration: 250 000 fit in 0.5 ms, here capped
    expect(m.piece(KEY, 0.5, 1024)).toBe(1024);
    const slow = new CostModel();
    slow.learn(KEY, 2000, false); // 2 us
    expect(slow.piece(KEY, 0.5, 1024)).toBe(250);
    slow.learn(KEY, 5e6, false); // held back (over 4x)...
    slow.learn(KEY, 5e6, false); // ...then confirmed: 2.5 ms per iteration
    expect(slow.piece(KEY, 0.5, 1024)).toBe(1);
    const free = new CostModel();
    free.learn(KEY, 0, false); // too fast for the clock
    expect(free.piece(KEY, 0.5, 1024)).toBe(1024);
  });

  test('loops far under the threshold (or with none) are timed on 1 call in 64, near it 1 in 8', () => {
    const far = new CostModel();
    far.learn(KEY, 1, false);
    expect(timed(far, 640, 100, 20)).toBe(10); // 0.1 us predicted, threshold 20 us
    const near = new CostModel();
    near.learn(KEY, 1, false);
    expect(timed(near, 640, 10_000, 20)).toBe(80); // 10 us predicted: within 4x
    const off = new CostModel();
    off.learn(KEY, 1, false);
    expect(timed(off, 640, 100, 0)).toBe(10); // fallback off: far from any threshold, the estimate still follows the body
  });
});
