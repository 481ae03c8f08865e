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
