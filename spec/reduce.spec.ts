// Reductions equal the serial result: exactly for integers, bit-for-bit across runs for floats.
import { Team, sharedArray, type ReducerName, type Schedule } from 'parafor';

const team = new Team({ numThreads: 4 });
beforeAll(() => team.start({ forAsync: true }));
afterAll(() => team.close());

const NO_FALLBACK = { serialBelowUs: 0 };

describe('built-in reducers', () => {
  const cases: [ReducerName, (a: number, b: number) => number, number, (i: number) => number][] = [
    ['sum', (a, b) => a + b, 0, (i) => i * 3 - 7],
    ['prod', (a, b) => a * b, 1, (i) => (i % 3 === 0 ? -1 : 1)],
    ['min', (a, b) => Math.min(a, b), Infinity, (i) => ((i * 7919) % 1009) - 500],
    ['max', (a, b) => Math.max(a, b), -Infinity, (i) => ((i * 7919) % 1009) - 500],
    ['bitand', (a, b) => a & b, -1, (i) => ~(1 << i % 31)],
    ['bitor', (a, b) => a | b, 0, (i) => 1 << i % 29],
    ['bitxor', (a, b) => a ^ b, 0, (i) => (i * 2654435761) | 0],
  ];
  for (const [name, op, identity, f] of cases) {
    test(`${name} equals the serial fold for every schedule and thread count`, () => {
      const src = f.toString();
      for (const n of [0, 1, 5, 64, 1000]) {
        let want = identity;
        for (let i = 0; i < n; i++) want = op(want, f(i));
        for (const schedule of ['static', 'dynamic', 'guided', 'auto'] as Schedule[]) {
          for (const numThreads of [1, 2, 3, 4]) {
            // The fold is built from source so that f and op are literals inside it.
            const body = new Function(
              `return (acc, i) => { const f = ${src}; const op = ${op.toString()}; return op(acc, f(i)); }`,
            )() as (acc: number, i: number) => number;
            const got = team.parallelReduceSync(0, n, body, name, { schedule, numThreads, chunk: schedule === 'auto' ? undefined : 3, ...NO_FALLBACK });
            expect([name, n, schedule, numThreads, got]).toEqual([name, n, schedule, numThreads, want]);
          }
        }
      }
    });
  }

  test('integer sums are exact; sync, async and range forms agree', async () => {
    const n = 100_000;
    const want = (n * (n - 1)) / 2;
    expect(team.parallelReduceSync(0, n, (a, i) => a + i, 'sum', NO_FALLBACK)).toBe(want);
    expect(await team.parallelReduce(0, n, (a, i) => a + i, 'sum', NO_FALLBACK)).toBe(want);
    const range = (a: number, lo: number, hi: number) => {
      for (let i = lo; i < hi; i++) a += i;
      return a;
    };
    expect(team.parallelReduceRangeSync(0, n, range, 'sum', NO_FALLBACK)).toBe(want);
    expect(await team.parallelReduceRange(0, n, range, 'sum', { schedule: 'dynamic', chunk: 777, ...NO_FALLBACK })).toBe(want);
  });

  test('an empty range returns the identity', async () => {
    expect(team.parallelReduceSync(3, 3, (a, i) => a + i, 'sum')).toBe(0);
    expect(team.parallelReduceSync(3, 1, (a, i) => a * i, 'prod')).toBe(1);
    expect(await team.parallelReduce(0, 0, (a, i) => Math.min(a, i), 'min')).toBe(Infinity);
  });
});

describe('floating-point reproducibility', () => {
  const fold = (a: number, i: number) => a + Math.sqrt(i) / (1 + (i % 7));
  test('static schedule: bit-identical across repeated runs, sync and async, and with the serial fallback', async () => {
    const n = 300_001;
    const first = team.parallelReduceSync(0, n, fold, 'sum', NO_FALLBACK);
    // The serial fallback runs the same static blocks in thread order: the same bits.
    expect(Object.is(team.parallelReduceSync(0, n, fold, 'sum', { if: false }), first)).toBe(true);
    for (let k = 0; k < 10; k++) {
      expect(Object.is(team.parallelReduceSync(0, n, fold, 'sum', NO_FALLBACK), first)).toBe(true);
      expect(Object.is(await team.parallelReduce(0, n, fold, 'sum', NO_FALLBACK), first)).toBe(true);
    }
    // It is the sum of the four static blocks' partials, combined left to right.
    const blocks = [0, 75001, 150001, 225001, 300001];
    let want = 0;
    for (let b = 0; b < 4; b++) {
      let part = 0;
      for (let i = blocks[b]!; i < blocks[b + 1]!; i++) part = fold(part, i);
      want = b === 0 ? part : want + part;
    }
    expect(Object.is(first, want)).toBe(true);
  });

  test('static schedule with a chunk: the serial fallback and `if: false` run the same round-robin chunks', async () => {
    // Slot t folds chunks t, t + P, t + 2P, ...; a serial run must fold the same chunks per
    // slot, not contiguous blocks, to give the same bits.
    const n = 1000;
    const opts = { chunk: 8 };
    const parallel = team.parallelReduceSync(0, n, fold, 'sum', { ...opts, ...NO_FALLBACK });
    let want = 0;
    for (let t = 0; t < 4; t++) {
      let part = 0;
      for (let a = t * 8; a < n; a += 32) for (let i = a; i < Math.min(n, a + 8); i++) part = fold(part, i);
      want = t === 0 ? part : want + part;
    }
    expect(Object.is(parallel, want)).toBe(true);
    expect(Object.is(team.parallelReduceSync(0, n, fold, 'sum', { ...opts, if: false }), want)).toBe(true);
    expect(Object.is(await team.parallelReduce(0, n, fold, 'sum', { ...opts, if: false }), want)).toBe(true);
    // Called again and again, the loop is soon run by the serial fallback: same bits each time.
    for (let k = 0; k < 30; k++) expect(Object.is(team.parallelReduceSync(0, n, fold, 'sum', { ...opts, serialBelowUs: 1e6 }), want)).toBe(true);
  });
});

describe('the serial fallback in short (runSerialBlocks)', () => {
  // A serial reduction with a built-in reducer, no timeout and no static chunk takes the
  // short form: the P static blocks as one runner call each. The same blocks, the same bits.
  const fold = (a: number, i: number) => a + Math.sqrt(i) / (1 + (i % 7));
  const range = (a: number, lo: number, hi: number) => {
    for (let i = lo; i < hi; i++) a += Math.sqrt(i) / (1 + (i % 7));
    return a;
  };
  test('every block split (more threads than iterations too) gives the bits of the parallel static run', () => {
    const probe = new Team({ numThreads: 2 });
    try {
      for (const n of [1, 2, 3, 5, 7, 64, 1001]) {
        for (const numThreads of [1, 2, 3, 4, 6]) {
          const parallel = team.parallelReduceSync(0, n, fold, 'sum', { numThreads, ...NO_FALLBACK });
          // By hand: slot t folds [t * q + min(t, r), ...) from the identity; left to right.
          const q = Math.floor(n / numThreads);
          const r = n % numThreads;
          let want = 0;
          for (let t = 0; t < numThreads; t++) {
            let part = 0;
            for (let i = t * q + Math.min(t, r); i < (t + 1) * q + Math.min(t + 1, r); i++) part = fold(part, i);
            want = t === 0 ? part : want + part;
          }
          expect([n, numThreads, Object.is(parallel, want)]).toEqual([n, numThreads, true]);
          for (const opts of [{ if: false }, { schedule: 'dynamic' as const, serialBelowUs: 1e9 }, { schedule: 'guided' as const, if: false }]) {
            expect([n, numThreads, opts, Object.is(team.parallelReduceSync(0, n, fold, 'sum', { numThreads, ...opts }), want)]).toEqual([n, numThreads, opts, true]);
            expect([n, numThreads, opts, Object.is(team.parallelReduceRangeSync(0, n, range, 'sum', { numThreads, ...opts }), want)]).toEqual([n, numThreads, opts, true]);
          }
          // A team whose calls all run serially: they are short from the first call.
          expect(Object.is(probe.parallelReduceRangeSync(0, n, range, 'sum', { numThreads, if: false }), want)).toBe(true);
        }
      }
    } finally {
      void probe.close();
    }
  });

  test('ranges past 2^53 get the same block bounds, so the same sums, as the parallel run', () => {
    const width = (a: number, lo: number, hi: number) => a + (hi - lo);
    const start = -(2 ** 53) + 1;
    const end = 2 ** 53 - 1;
    for (const numThreads of [3, 7]) {
      const parallel = team.parallelReduceRangeSync(start, end, width, 'sum', { numThreads, ...NO_FALLBACK });
      expect([numThreads, team.parallelReduceRangeSync(start, end, width, 'sum', { numThreads, if: false })]).toEqual([numThreads, parallel]);
    }
  });

  test('every built-in reducer, with an offset range, agrees with the parallel run', () => {
    const bodies: [ReducerName, (acc: number, i: number) => number][] = [
      ['sum', (a, i) => a + i * 0.5],
      ['prod', (a, i) => a * (i % 3 === 0 ? -1.5 : 1.25)],
      ['min', (a, i) => Math.min(a, ((i * 7919) % 1009) - 500)],
      ['max', (a, i) => Math.max(a, ((i * 7919) % 1009) - 500)],
      ['bitand', (a, i) => a & ~(1 << i % 31)],
      ['bitor', (a, i) => a | (1 << i % 29)],
      ['bitxor', (a, i) => a ^ ((i * 2654435761) | 0)],
    ];
    for (const [name, body] of bodies) {
      for (const numThreads of [2, 3]) {
        const parallel = team.parallelReduceSync(-37, 40, body, name, { numThreads, ...NO_FALLBACK });
        expect([name, numThreads, Object.is(team.parallelReduceSync(-37, 40, body, name, { numThreads, if: false }), parallel)]).toEqual([name, numThreads, true]);
      }
    }
  });
});

describe('custom reducers', () => {
  const histogram = {
    identity: () => new Float64Array(256),
    combine: (a: Float64Array, b: Float64Array) => {
      for (let k = 0; k < 256; k++) a[k]! += b[k]!;
      return a;
    },
  };
  // A hash of the index, so that every chunking gives the same bins.
  const lcgBins = (acc: Float64Array, lo: number, hi: number) => {
    for (let i = lo; i < hi; i++) {
      let x = Math.imul(i ^ 0x9e3779b9, 0x85ebca6b) >>> 0;
      x = Math.imul(x ^ (x >>> 13), 0xc2b2ae35) >>> 0;
      acc[(x ^ (x >>> 16)) & 255]!++;
    }
    return acc;
  };

  test('a 256-bin histogram (typed-array accumulator) matches the serial one under every schedule', async () => {
    const n = 200_000;
    for (const schedule of ['static', 'dynamic', 'guided'] as Schedule[]) {
      const chunk = 5000;
      const want = lcgBins(new Float64Array(256), 0, n);
      const opts = { schedule, chunk, ...NO_FALLBACK };
      const got = team.parallelReduceRangeSync(0, n, lcgBins, histogram, opts);
      expect(Array.from(got)).toEqual(Array.from(want));
      const gotAsync = await team.parallelReduceRange(0, n, lcgBins, histogram, opts);
      expect(Array.from(gotAsync)).toEqual(Array.from(want));
    }
  });

  test('an identity given as a value is copied for every thread', () => {
    const got = team.parallelReduceSync(
      0,
      1000,
      (acc: { count: number; odd: number[] }, i) => {
        acc.count++;
        if (i % 100 === 1) acc.odd.push(i);
        return acc;
      },
      {
        identity: { count: 0, odd: [] as number[] },
        combine: (a, b) => ({ count: a.count + b.count, odd: [...a.odd, ...b.odd] }),
      },
      NO_FALLBACK,
    );
    expect(got.count).toBe(1000);
    expect(got.odd).toEqual([1, 101, 201, 301, 401, 501, 601, 701, 801, 901]);
  });

  test('strings concatenate in thread order under the static schedule', () => {
    const got = team.parallelReduceSync(0, 26, (acc: string, i) => acc + String.fromCharCode(97 + i), { identity: '', combine: (a, b) => a + b }, NO_FALLBACK);
    expect(got).toBe('abcdefghijklmnopqrstuvwxyz');
  });

  test('per-thread partials in a shared array, combined at the end (no false sharing)', () => {
    const partials = sharedArray(Float64Array, 4 * 16);
    team.parallelForRangeSync(
      0,
      4000,
      (lo, hi, s, ctx) => {
        let acc = 0;
        for (let i = lo; i < hi; i++) acc += i;
        s.partials[ctx.threadId * 16] = acc;
      },
      { shared: { partials }, ...NO_FALLBACK },
    );
    let total = 0;
    for (let t = 0; t < 4; t++) total += partials[t * 16]!;
    expect(total).toBe((4000 * 3999) / 2);
  });
});

describe('custom identities on a cold team', () => {
  test('workers that start during the region get the identity value too', async () => {
    // No start(): the workers come up while the first regions run.
    const async = new Team({ numThreads: 2 });
    expect(await async.parallelReduce(0, 1_000_000, (a: number, i) => a + i, { identity: 0, combine: (a, b) => a + b }, { serialBelowUs: 0 })).toBe(499999500000);
    await async.close();
    const sync = new Team({ numThreads: 3 });
    expect(sync.parallelReduceSync(0, 3_000_000, (a: number, i) => a + (i & 1), { identity: 0, combine: (a, b) => a + b }, { serialBelowUs: 0 })).toBe(1_500_000);
    await sync.close();
  });
});
