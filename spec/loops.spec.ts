// Every schedule visits every index exactly once: exhaustive for small loops, property-based for larger ones.
import fc from 'fast-check';
import { Team, sharedArray, type Schedule } from 'parafor';

const team = new Team({ numThreads: 8 });
afterAll(() => team.close());

const hits = sharedArray(Int32Array, 200);
const shared = { hits };
const visit = (i: number, s: { hits: Int32Array }) => {
  Atomics.add(s.hits, i, 1);
};
const visitRange = (lo: number, hi: number, s: { hits: Int32Array }) => {
  for (let i = lo; i < hi; i++) Atomics.add(s.hits, i, 1);
};

function check(start: number, end: number, what: string): void {
  for (let i = 0; i < hits.length; i++) {
    const want = i >= start && i < end ? 1 : 0;
    if (hits[i] !== want) throw new Error(`${what}: index ${i} visited ${hits[i]} times, expected ${want}`);
  }
  hits.fill(0);
}

describe('exhaustive small loops (n <= 64, threads 1..8, every chunk)', () => {
  beforeAll(() => team.start());

  test('static blocks', () => {
    for (let n = 0; n <= 64; n++) {
      for (let t = 1; t <= 8; t++) {
        team.parallelForSync(0, n, visit, { shared, numThreads: t, serialBelowUs: 0 });
        check(0, n, `static n=${n} t=${t}`);
      }
    }
  });

  for (const schedule of ['static', 'dynamic', 'guided'] as Schedule[]) {
    test(`${schedule} with every chunk 1..n`, () => {
      for (let n = 1; n <= 64; n++) {
        for (let t = 1; t <= 8; t++) {
          for (let chunk = 1; chunk <= n; chunk += t > 2 ? 3 : 1) {
            team.parallelForSync(0, n, visit, { shared, numThreads: t, schedule, chunk, serialBelowUs: 0 });
            check(0, n, `${schedule} n=${n} t=${t} chunk=${chunk}`);
          }
        }
      }
    });
  }

  test('auto, and the range form under every schedule', () => {
    for (let n = 0; n <= 64; n++) {
      for (let t = 1; t <= 8; t++) {
        team.parallelForSync(0, n, visit, { shared, numThreads: t, schedule: 'auto', serialBelowUs: 0 });
        check(0, n, `auto n=${n} t=${t}`);
        for (const schedule of ['static', 'dynamic', 'guided', 'auto'] as Schedule[]) {
          const chunk = schedule === 'auto' ? undefined : 1 + (n % 5);
          team.parallelForRangeSync(0, n, visitRange, { shared, numThreads: t, schedule, chunk, serialBelowUs: 0 });
          check(0, n, `range ${schedule} n=${n} t=${t}`);
        }
      }
    }
  });

  test('the threads of a static loop get the blocks in order, thread k the k-th', () => {
    const owner = sharedArray(Int32Array, 64);
    team.parallelForSync(
      0,
      64,
      (i, s, ctx) => {
        s.owner[i] = ctx.threadId;
      },
      { shared: { owner }, numThreads: 5, serialBelowUs: 0 },
    );
    // 64 = 5 * 12 + 4: the first four threads take 13 iterations, the last 12.
    const expected = Array.from({ length: 64 }, (_, i) => (i < 52 ? Math.floor(i / 13) : 4));
    expect(Array.from(owner)).toEqual(expected);
  });

  test('ctx is frozen: a body cannot leave state on it for later calls (contexts are reused)', () => {
    const flags = sharedArray(Int32Array, 2);
    const body = (lo: number, hi: number, s: { flags: Int32Array }, ctx: { threadId: number }): void => {
      if (!Object.isFrozen(ctx) || (ctx as unknown as { mark?: number }).mark !== undefined) Atomics.store(s.flags, 0, 1);
      try {
        (ctx as unknown as { mark: number }).mark = 1;
      } catch {
        Atomics.add(s.flags, 1, 1); // strict-mode bodies throw on writes to a frozen object
      }
    };
    for (let k = 0; k < 3; k++) {
      team.parallelForRangeSync(0, 8, body, { shared: { flags }, serialBelowUs: 0 });
      team.parallelForRangeSync(0, 8, body, { shared: { flags }, if: false });
    }
    expect(flags[0]).toBe(0);
    expect(flags[1]).toBe(3 * (team.numThreads + 1));
  });
});

describe('bounds', () => {
  test('end <= start runs nothing; negative and offset ranges work', () => {
    team.parallelForSync(5, 5, visit, { shared, serialBelowUs: 0 });
    team.parallelForSync(9, 3, visit, { shared, serialBelowUs: 0 });
    check(0, 0, 'empty');
    const seen = sharedArray(Int32Array, 20);
    team.parallelForSync(
      -10,
      10,
      (i, s) => {
        Atomics.add(s.seen, i + 10, 1);
      },
      { shared: { seen }, serialBelowUs: 0 },
    );
    expect(Array.from(seen)).toEqual(new Array(20).fill(1));
  });

  test('indices beyond 2^31 stay exact', () => {
    const base = 2 ** 40;
    const sum = team.parallelReduceSync(base, base + 1000, (acc, i) => acc + (i - 2 ** 40), 'sum', {
      schedule: 'dynamic',
      chunk: 7,
      serialBelowUs: 0,
    });
    expect(sum).toBe((999 * 1000) / 2);
  });
});

describe('property: random loops cover every index once', () => {
  test('sync and async, all schedules', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: 150 }),
        fc.integer({ min: 0, max: 199 }),
        fc.integer({ min: 1, max: 8 }),
        fc.constantFrom<Schedule>('static', 'dynamic', 'guided', 'auto'),
        fc.option(fc.integer({ min: 1, max: 40 }), { nil: undefined }),
        fc.boolean(),
        async (start, len, t, schedule, chunk, async) => {
          const end = Math.min(200, start + len);
          const opts = { shared, numThreads: t, schedule, chunk, serialBelowUs: 0 };
          if (async) await team.parallelFor(start, end, visit, opts);
          else team.parallelForSync(start, end, visit, opts);
          check(start, end, `start=${start} end=${end} t=${t} ${schedule} chunk=${chunk} async=${async}`);
        },
      ),
      { seed: 20261128, numRuns: 400 },
    );
  });
});
