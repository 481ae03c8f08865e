// Type-level contract: misuse must keep failing to compile (tsc checks every @ts-expect-error
// when `npm test` builds the specs); the runtime assertions keep the lines honest.
import { Team, sharedArray, parallelReduceSync, type LoopContext } from 'parafor';

const team = new Team({ numThreads: 2 });
afterAll(() => team.close());

test('bodies and folds are typed from `shared` and the reducer', () => {
  const xs = sharedArray(Float64Array, 8);
  team.parallelForSync(0, 8, (i, s, ctx: LoopContext) => {
    s.xs[i] = i + ctx.threadId * 0;
  }, { shared: { xs } });
  const total: number = parallelReduceSync(0, 8, (acc, i, s) => acc + s.xs[i]!, 'sum', { shared: { xs } });
  expect(total).toBe(28);
  const hist: Float64Array = team.parallelReduceSync(0, 8, (acc: Float64Array, _i) => acc, {
    identity: () => new Float64Array(2),
    combine: (a, _b) => a,
  });
  expect(hist).toHaveLength(2);

  expect(() => {
    // @ts-expect-error the index is a number, not a string
    team.parallelForSync(0, 8, (i: string) => void i);
    // @ts-expect-error unknown reducer name
    team.parallelReduceSync(0, 8, (a: number) => a, 'average');
    // @ts-expect-error unknown schedule
    team.parallelForSync(0, 8, () => {}, { schedule: 'fastest' });
    // @ts-expect-error chunk is a number
    team.parallelForSync(0, 8, () => {}, { chunk: '4' });
    // @ts-expect-error a built-in reducer's result is a number
    const s: string = team.parallelReduceSync(0, 8, (a: number) => a, 'sum');
    void s;
    // @ts-expect-error sharedArray takes a typed-array constructor
    sharedArray(Array, 4);
  }).toThrow();
});

test('sharedArray returns typed arrays over a SharedArrayBuffer', () => {
  const xs: Float64Array<SharedArrayBuffer> = sharedArray(Float64Array, 4);
  const bytes: Uint8ClampedArray<SharedArrayBuffer> = sharedArray(Uint8ClampedArray, [1, 2]);
  const big: BigInt64Array<SharedArrayBuffer> = sharedArray(BigInt64Array, 2);
  expect([xs.buffer, bytes.buffer, big.buffer].every((b) => b instanceof SharedArrayBuffer)).toBe(true);
  // @ts-expect-error a typed array on a plain ArrayBuffer is not a shared one
  const plain: Float64Array<SharedArrayBuffer> = new Float64Array(4);
  // @ts-expect-error each constructor gives its own array type
  const wrong: Uint8Array<SharedArrayBuffer> = sharedArray(Float64Array, 4);
  expect(plain.buffer).not.toBeInstanceOf(SharedArrayBuffer);
  void wrong;
});

test('sections resolve to a tuple of their functions\' result types', async () => {
  const [n, text, list] = await team.sections([() => 1, (s: { name: string }) => `hi ${s.name}`, () => [true]], { shared: { name: 'x' } });
  const checked: [number, string, boolean[]] = [n, text, list];
  expect(checked).toEqual([1, 'hi x', [true]]);
  const [a, b] = team.sectionsSync([() => 'a', () => 2]);
  expect([a.toUpperCase(), b + 1]).toEqual(['A', 3]);
  // @ts-expect-error the second result is a number
  const s: string = b;
  void s;
});

test('regions, sections and parallelMap are typed', async () => {
  const squares: number[] = await team.parallelMap([1, 2, 3], (x) => x * x);
  expect(squares).toEqual([1, 4, 9]);
  const labels: string[] = team.parallelMapSync([1, 2], (x, i, s) => `${s.prefix}${x}${i}`, { shared: { prefix: '#' } });
  expect(labels).toEqual(['#10', '#21']);
  const out = sharedArray(Int32Array, 2);
  team.parallelSync((s, ctx) => {
    ctx.barrier();
    const first: number | undefined = ctx.single(() => 1);
    void first;
    ctx.critical(() => void (s.out[ctx.threadId] = 1), 'named');
    ctx.for(0, 10, (i: number) => void i, { schedule: 'dynamic', chunk: 2 });
  }, { shared: { out } });
  expect(Array.from(out)).toEqual([1, 1]);
  expect(() => {
    // @ts-expect-error regions take no schedule (ctx.for does)
    team.parallelSync(() => {}, { schedule: 'dynamic' });
  }).toThrow(TypeError);
  expect(() => {
    team.parallelSync((s, ctx) => {
      // @ts-expect-error worksharing options are schedule, chunk and nowait
      ctx.for(0, 1, () => {}, { numThreads: 2 });
    });
  }).toThrow('unknown option `numThreads` in `options`; known options: schedule, chunk, nowait');
});

test('`shared` refuses at compile time what cannot reach a worker intact', () => {
  class Point {
    x = 1;
    norm(): number {
      return this.x;
    }
  }
  const body = (): void => {};
  const refused: [string, () => void][] = [
    // @ts-expect-error a Map is copied, not shared
    ['a Map', () => team.parallelForSync(0, 1, body, { shared: { m: new Map<string, number>() } })],
    // @ts-expect-error a Set is copied, not shared
    ['a Set', () => team.parallelForSync(0, 1, body, { shared: { s: new Set([1]) } })],
    // @ts-expect-error a Date is copied, not shared
    ['a Date', () => team.parallelForSync(0, 1, body, { shared: [new Date(0)] })],
    // @ts-expect-error a class instance loses its class
    ['an instance of class Point', () => team.parallelForSync(0, 1, body, { shared: { p: new Point() } })],
    // @ts-expect-error a function cannot be sent
    ['function f', () => team.parallelForSync(0, 1, body, { shared: { f: function f() {} } })],
    // @ts-expect-error a typed array on a plain ArrayBuffer: workers would write to a copy
    ['plain ArrayBuffer', () => team.parallelForSync(0, 1, body, { shared: { xs: new Float64Array(4) } })],
    // @ts-expect-error the same check holds for reductions, regions, sections and maps
    ['a Map', () => team.parallelReduceSync(0, 1, (a: number) => a, 'sum', { shared: new Map() })],
    // @ts-expect-error regions too
    ['a Date', () => team.parallelSync(() => {}, { shared: { when: new Date(0) } })],
    // @ts-expect-error maps too
    ['a Set', () => team.parallelMapSync([1], (x) => x, { shared: { s: new Set() } })],
  ];
  for (const [what, call] of refused) expect(call).toThrow(what);
});

test('`shared` accepts shared memory, plain data, interfaces and typed arrays typed without a buffer', () => {
  interface Params {
    scale: number;
    xs: Float64Array<SharedArrayBuffer>;
  }
  const params: Params = { scale: 2, xs: sharedArray(Float64Array, 4) };
  team.parallelForSync(0, 4, (i, s) => void (s.xs[i] = i * s.scale), { shared: params });
  expect(Array.from(params.xs)).toEqual([0, 2, 4, 6]);
  // A body annotated with a plain Float64Array takes the shared one...
  team.parallelForSync(0, 4, (i, s: { xs: Float64Array }) => void (s.xs[i] = -i), { shared: { xs: params.xs } });
  expect(Array.from(params.xs)).toEqual([-0, -1, -2, -3]);
  // ...and so does a helper whose parameter is a plain Float64Array (checked at run time).
  const fill = (xs: Float64Array): void => team.parallelForSync(0, xs.length, (i, s) => void (s.xs[i] = 1), { shared: { xs } });
  fill(params.xs);
  expect(Array.from(params.xs)).toEqual([1, 1, 1, 1]);
  expect(() => fill(new Float64Array(2))).toThrow('`shared.xs` is a typed array on a plain ArrayBuffer');
  const nested = { grid: [[1, 2], [3]], label: 'g', big: 1n, none: null, flag: true, sab: new SharedArrayBuffer(8) } as const;
  const sum = team.parallelReduceSync(0, 2, (acc, i, s) => acc + s.grid[i]!.length, 'sum', { shared: nested });
  expect(sum).toBe(3);
});

test('async and promise-returning bodies fail to compile', async () => {
  const failures: (() => unknown)[] = [
    // @ts-expect-error an async loop body would run after the loop ended
    () => team.parallelForSync(0, 2, async (i: number) => void i),
    // @ts-expect-error a body returning a promise
    () => team.parallelFor(0, 2, (i) => Promise.resolve(i)),
    // @ts-expect-error range bodies too
    () => team.parallelForRangeSync(0, 2, async () => {}),
    // @ts-expect-error a fold whose accumulator would be a promise
    () => team.parallelReduceSync(0, 2, async (acc: number) => acc, 'sum'),
    // @ts-expect-error custom reducers too
    () => team.parallelReduceSync(0, 2, (acc: Promise<number>) => acc, { identity: () => Promise.resolve(0), combine: (a) => a }),
    // @ts-expect-error regions
    () => team.parallelSync(async () => {}),
    // @ts-expect-error sections
    () => team.sectionsSync([() => 1, async () => 2]),
    // @ts-expect-error map functions
    () => team.parallelMapSync([1, 2], async (x) => x),
  ];
  for (const call of failures) {
    let threw: unknown;
    try {
      await call();
    } catch (err) {
      threw = err;
    }
    expect(threw).toBeInstanceOf(TypeError);
    expect(String((threw as Error).message)).toMatch(/synchronous/);
  }
});

test('plain objects and arrays in `shared` and parallelMap items are read-only in bodies; shared memory stays writable', () => {
  const out = sharedArray(Float64Array, 4);
  const shared = { out, cfg: { scale: 2 }, list: [1, 2] };
  const refused: (() => unknown)[] = [
    () =>
      team.parallelForSync(0, 4, (i, s) => {
        // @ts-expect-error a plain object in `shared` is frozen on every thread
        s.cfg.scale = 3;
      }, { shared }),
    () =>
      team.parallelForSync(0, 4, (i, s) => {
        // @ts-expect-error so is a plain array
        s.list[0] = i;
      }, { shared }),
    () =>
      team.parallelReduceSync(0, 4, (acc, i, s) => {
        // @ts-expect-error folds see the same read-only view
        s.list.push(i);
        return acc;
      }, 'sum', { shared }),
    () =>
      team.parallelSync((s) => {
        // @ts-expect-error regions too
        s.cfg.scale = 1;
      }, { shared }),
    () =>
      team.parallelMapSync([{ n: 1 }, { n: 2 }], (item) => {
        // @ts-expect-error parallelMap items travel as `shared` does: frozen copies
        item.n = 0;
        return item.n;
      }),
  ];
  for (const call of refused) {
    let thrown: unknown;
    try {
      call();
    } catch (e) {
      thrown = e;
    }
    expect(thrown).toBeInstanceOf(TypeError);
    expect((thrown as { code?: string }).code).toBe('ERR_PARAFOR_SHARED_READ_ONLY');
  }
  // Typed arrays are shared memory: writable, in the same bodies.
  team.parallelForSync(0, 4, (i, s) => void (s.out[i] = i * s.cfg.scale + s.list[1]!), { shared });
  expect(Array.from(out)).toEqual([2, 4, 6, 8]);
  // A body whose parameter is annotated with the mutable type of `shared` still fits.
  team.parallelForSync(0, 4, (i: number, s: typeof shared) => void (s.out[i] = s.list.length), { shared });
  expect(Array.from(out)).toEqual([2, 2, 2, 2]);
});
