// Pure chunk arithmetic, tested without threads.
import { staticBlock, guidedUnits, counterUnit, autoChunk, chunkCount } from '#internal/run/schedule.js';
import { MAX_UNITS } from '#internal/protocol/control.js';

describe('staticBlock', () => {
  test('blocks tile [0, n) in order, sizes differ by at most one, for all n <= 200, p <= 17', () => {
    for (let n = 0; n <= 200; n++) {
      for (let p = 1; p <= 17; p++) {
        let next = 0;
        const sizes: number[] = [];
        for (let slot = 0; slot < p; slot++) {
          const [lo, hi] = staticBlock(n, p, slot);
          expect(lo).toBe(next);
          expect(hi).toBeGreaterThanOrEqual(lo);
          sizes.push(hi - lo);
          next = hi;
        }
        expect(next).toBe(n);
        expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(1);
      }
    }
  });

  test('the larger blocks come first (LLVM: start = id * base + min(id, extra))', () => {
    expect([0, 1, 2].map((s) => staticBlock(8, 3, s))).toEqual([
      [0, 3],
      [3, 6],
      [6, 8],
    ]);
  });
});

describe('guided and counters', () => {
  test('guided grabs shrink, never below the minimum, and cover the loop exactly', () => {
    for (const [n, p, min] of [
      [1000, 4, 1],
      [1000, 4, 16],
      [7, 8, 1],
      [1, 3, 5],
      [123457, 7, 3],
    ] as const) {
      let rem = n;
      let prev = Infinity;
      let grabs = 0;
      while (rem > 0) {
        const take = guidedUnits(rem, p, min);
        expect(take).toBeGreaterThan(0);
        expect(take).toBeLessThanOrEqual(rem);
        if (take < rem) expect(take).toBeGreaterThanOrEqual(min);
        expect(take).toBeLessThanOrEqual(prev);
        prev = take;
        rem -= take;
        grabs++;
      }
      expect(rem).toBe(0);
      expect(grabs).toBeLessThan(n + 1);
    }
  });

  test('the work counter unit keeps the number of units under 2^30', () => {
    expect(counterUnit(1000, 1)).toBe(1);
    expect(counterUnit(1000, 7)).toBe(7);
    const n = 2 ** 40;
    const u = counterUnit(n, 1);
    expect(n / u).toBeLessThanOrEqual(MAX_UNITS);
    const u4 = counterUnit(n, 4);
    expect(u4 % 4).toBe(0);
    expect(n / u4).toBeLessThanOrEqual(MAX_UNITS);
  });

  test('chunkCount and autoChunk', () => {
    expect(chunkCount(10, 3)).toBe(4);
    expect(chunkCount(9, 3)).toBe(3);
    expect(autoChunk(10, 4)).toBe(1);
    expect(autoChunk(1_000_000, 4)).toBe(7812);
  });
});
