// Bad input gets a TypeError or RangeError naming the argument and the value; body errors
// reach the caller with their name, message, stack and index; the team stays usable.
import { Team, sharedArray, parallelForSync, parallelFor, moduleBody, inParallel } from 'parafor';
import * as parafor from 'parafor';
import { runNode } from './helpers.js';

const team = new Team({ numThreads: 3 });
beforeAll(() => team.start({ forAsync: true }));
afterAll(() => team.close());

const noop = () => {};
const NO_FALLBACK = { serialBelowUs: 0 };

function usable(): void {
  const hits = sharedArray(Int32Array, 100);
  team.parallelForSync(0, 100, (i, s) => void Atomics.add(s.hits, i, 1), { shared: { hits }, ...NO_FALLBACK });
  expect(hits.every((v) => v === 1)).toBe(true);
}

describe('bad arguments', () => {
  const cases: [string, () => unknown, ErrorConstructor, string][] = [
    ['NaN start', () => team.parallelForSync(NaN, 10, noop), RangeError, '`start` must be a safe integer, got NaN'],
    ['Infinity end', () => team.parallelForSync(0, Infinity, noop), RangeError, '`end` must be a safe integer, got Infinity'],
    ['fractional start', () => team.parallelForSync(0.5, 10, noop), RangeError, '`start` must be a safe integer, got 0.5'],
    ['unsafe end', () => team.parallelForSync(0, 2 ** 53, noop), RangeError, '`end` must be a safe integer, got 9007199254740992'],
    ['string start', () => team.parallelForSync('0' as never, 10, noop), TypeError, '`start` must be a safe integer, got "0"'],
    ['chunk 0', () => team.parallelForSync(0, 10, noop, { chunk: 0 }), RangeError, '`chunk` must be a positive integer, got 0'],
    ['chunk 1.5', () => team.parallelForSync(0, 10, noop, { chunk: 1.5 }), RangeError, '`chunk` must be a positive integer, got 1.5'],
    ['chunk string', () => team.parallelForSync(0, 10, noop, { chunk: '4' as never }), TypeError, '`chunk` must be a positive integer, got "4"'],
    ['numThreads 0', () => team.parallelForSync(0, 10, noop, { numThreads: 0 }), RangeError, '`numThreads` must be a positive integer, got 0'],
    ['numThreads -1', () => new Team({ numThreads: -1 }), RangeError, '`numThreads` must be a positive integer, got -1'],
    ['numThreads 2.5', () => new Team({ numThreads: 2.5 }), RangeError, '`numThreads` must be a positive integer, got 2.5'],
    ['numThreads huge', () => new Team({ numThreads: 100000 }), RangeError, '`numThreads` must be at most 512, got 100000'],
    ['schedule', () => team.parallelForSync(0, 10, noop, { schedule: 'fast' as never }), RangeError, "`schedule` must be one of 'static', 'dynamic', 'guided', 'auto', got \"fast\""],
    ['schedule type', () => team.parallelForSync(0, 10, noop, { schedule: 3 as never }), TypeError, "`schedule` must be one of 'static', 'dynamic', 'guided', 'auto', got 3"],
    ['reducer', () => team.parallelReduceSync(0, 10, (a: number) => a, 'avg' as never), RangeError, "`reducer` must be one of 'sum', 'prod', 'min', 'max', 'bitand', 'bitor', 'bitxor', got \"avg\""],
    ['reducer combine', () => team.parallelReduceSync(0, 10, (a: number) => a, { identity: 0, combine: 1 as never }), TypeError, '`reducer.combine` must be a function, got 1'],
    ['body not a function', () => team.parallelForSync(0, 10, 42 as never), TypeError, '`body` must be a function, got 42'],
    ['fold not a function', () => team.parallelReduceSync(0, 10, null as never, 'sum'), TypeError, '`fold` must be a function, got null'],
    ['async body', () => team.parallelForSync(0, 10, (async () => {}) as never), TypeError, '`body` must be a synchronous function: parafor does not await what a body returns, got async () => { }'],
    ['async generator body', () => team.parallelForSync(0, 10, async function* g() {} as never), TypeError, '`body` must be a synchronous function: parafor does not await what a body returns, got async function* g() { }'],
    ['generator body', () => team.parallelForSync(0, 10, function* gen(i: number) { yield i; } as never), TypeError, '`body` must be a plain function, got a generator function: function* gen(i) { yield i; }'],
    ['generator method body', () => team.parallelForSync(0, 10, { *m() {} }.m as never), TypeError, '`body` must be a plain function, got a generator function: *m() { }'],
    ['class body', () => team.parallelForSync(0, 10, new Function('return class K {}')() as never), TypeError, '`body` must be a plain function, got a class: class K {}'],
    ['unknown option', () => team.parallelForSync(0, 10, noop, { chunks: 4 } as never), TypeError, 'unknown option `chunks` in `options`; known options: shared, schedule, chunk, numThreads, if, serialBelowUs, signal, timeout'],
    ['options not an object', () => team.parallelForSync(0, 10, noop, 5 as never), TypeError, '`options` must be an object, got 5'],
    ['if not boolean', () => team.parallelForSync(0, 10, noop, { if: 1 as never }), TypeError, '`if` must be a boolean, got 1'],
    ['serialBelowUs', () => team.parallelForSync(0, 10, noop, { serialBelowUs: -1 }), RangeError, '`serialBelowUs` must be a finite number >= 0, got -1'],
    ['waitPolicy', () => new Team({ waitPolicy: 'busy' as never }), RangeError, "`waitPolicy` must be one of 'active', 'passive', got \"busy\""],
    ['native body', () => team.parallelForSync(0, 10, Math.sqrt as never), TypeError, '`body` cannot be sent to a worker thread: its source (function sqrt() { [native code] }) is not a function expression (native and bound functions cannot be shipped; use a plain function or a module body)'],
    ['moduleBody url', () => moduleBody('kernels.js'), TypeError, '`url` must be a URL or an absolute path of a module file, got "kernels.js"'],
  ];
  for (const [what, fn, Ctor, message] of cases) {
    test(`${what}: ${Ctor.name}`, () => {
      let thrown: unknown;
      try {
        fn();
      } catch (e) {
        thrown = e;
      }
      expect(thrown).toBeInstanceOf(Ctor);
      expect((thrown as Error).message).toBe(message);
    });
  }

  test('async variants reject with the same errors instead of throwing', async () => {
    await expect(team.parallelFor(0, NaN, noop)).rejects.toThrow('`end` must be a safe integer, got NaN');
    await expect(parallelFor(0, 10, noop, { chunk: -2 })).rejects.toThrow('`chunk` must be a positive integer, got -2');
    await expect(team.parallelReduce(0, 10, (a: number) => a, 'mean' as never)).rejects.toThrow(RangeError);
  });

  test('a key known to one kind of options is still refused by another right after', () => {
    // Each kind of options has its own key test: `timeout` just accepted for a loop must not
    // pass a Team's options, nor `schedule` a parallelMap's.
    team.parallelForSync(0, 2, noop, { timeout: 1000 });
    expect(() => new Team({ timeout: 5 } as never)).toThrow('unknown option `timeout` in `options`; known options: numThreads, waitPolicy, spinUs, schedule, chunk, serialBelowUs, resourceLimits');
    team.parallelForSync(0, 2, noop, { schedule: 'dynamic' });
    expect(() => team.parallelMapSync([1], (x: number) => x, { schedule: 'dynamic' } as never)).toThrow('unknown option `schedule`');
    team.parallelForSync(0, 2, noop, { chunk: 1 });
    expect(() => team.parallelForSync(0, 2, noop, { chunk: 1, chunks: 2 } as never)).toThrow('unknown option `chunks`');
  });

  test('parafor imports with code generation from strings disallowed, and still refuses unknown options', () => {
    // Option keys are tested by a switch compiled with new Function; without code generation
    // they fall back to a Set. Calls then fail where bodies are compiled, with V8's EvalError.
    const res = runNode(
      `import { Team } from 'parafor';
       try { new Team({ numThreds: 2 }); } catch (e) { console.log(e.message); }
       const team = new Team({ numThreads: 2 });
       try { team.parallelForSync(0, 4, () => {}); } catch (e) { console.log(e.name); }
       await team.close();`,
      {},
      30_000,
      ['--disallow-code-generation-from-strings'],
    );
    expect(res.stderr).toBe('');
    expect(res.stdout.trim().split('\n')).toEqual([
      'unknown option `numThreds` in `options`; known options: numThreads, waitPolicy, spinUs, schedule, chunk, serialBelowUs, resourceLimits',
      'EvalError',
    ]);
    expect(res.status).toBe(0);
  });

  test('reducer names resolve to their own reducer after another was used (the last-name cache)', () => {
    const fold = (a: number, i: number) => (a > i ? a : i);
    expect(team.parallelReduceSync(0, 10, (a: number, i: number) => a + i, 'sum')).toBe(45);
    expect(team.parallelReduceSync(0, 10, fold, 'max')).toBe(9);
    expect(team.parallelReduceSync(0, 10, fold, 'max')).toBe(9);
    expect(team.parallelReduceSync(1, 5, (a: number, i: number) => a * i, 'prod')).toBe(24);
    expect(() => team.parallelReduceSync(0, 10, fold, 'avg' as never)).toThrow('`reducer` must be one of');
    expect(team.parallelReduceSync(0, 10, (a: number, i: number) => a + i, 'sum')).toBe(45);
  });

  test('options that for-in does not list (class getters, non-enumerable properties) are read too', () => {
    const seen = sharedArray(Int32Array, 1);
    const body = (i: number, s: Int32Array, ctx: { numThreads: number }) => void (s[0] = ctx.numThreads);
    class Opts {
      constructor(readonly shared: Int32Array) {}
      get signal(): AbortSignal {
        return AbortSignal.abort(new Error('aborted by a getter'));
      }
    }
    // Whether or not another key is enumerable, the getter's signal counts.
    expect(() => team.parallelForSync(0, 100, body, new Opts(seen))).toThrow('aborted by a getter');
    expect(() => team.parallelForSync(0, 100, body, Object.assign(new Opts(seen), { chunk: 1 }))).toThrow('aborted by a getter');
    team.parallelForSync(0, 100, body, Object.defineProperty({ shared: seen, serialBelowUs: 0 }, 'if', { value: false }));
    expect(seen[0]).toBe(1);
    team.parallelForSync(0, 100, body, Object.defineProperty({ shared: seen, serialBelowUs: 0 }, 'numThreads', { value: 2 }));
    expect(seen[0]).toBe(2);
  });
});

describe('shared', () => {
  test('a typed array on a plain ArrayBuffer is refused, pointing at sharedArray', () => {
    expect(() => team.parallelForSync(0, 10, noop, { shared: { data: new Float64Array(4) } as never })).toThrow(
      '`shared.data` is a typed array on a plain ArrayBuffer: workers would write to a copy and the writes would be lost. Allocate it with sharedArray(Ctor, n), which puts it on a SharedArrayBuffer',
    );
    expect(() => team.parallelForSync(0, 10, noop, { shared: [1, new ArrayBuffer(8)] as never })).toThrow('`shared[1]` is a typed array on a plain ArrayBuffer');
  });

  test('functions, class instances and cycles are refused with the path', () => {
    expect(() => team.parallelForSync(0, 10, noop, { shared: { f: noop } as never })).toThrow(/^`shared.f` cannot be shared with worker threads, got function noop/);
    expect(() => team.parallelForSync(0, 10, noop, { shared: { d: new Date(0) } as never })).toThrow(/^`shared.d` cannot be shared with worker threads, got a Date/);
    class Particle {
      x = 0;
    }
    // A class instance without methods has a plain object's type, so only the run time can refuse it.
    expect(() => team.parallelForSync(0, 10, noop, { shared: { ps: [new Particle()] } })).toThrow(/^`shared.ps\[0\]` cannot be shared with worker threads, got an instance of class Particle:/);
    expect(() => team.parallelForSync(0, 10, noop, { shared: { m: new Map() } as never })).toThrow(/^`shared.m` cannot be shared with worker threads, got a Map:/);
    expect(() => team.parallelForSync(0, 10, noop, { shared: new Set() as never })).toThrow(/^`shared` cannot be shared with worker threads, got a Set:/);
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(() => team.parallelForSync(0, 10, noop, { shared: cyclic })).toThrow('`shared.self` refers back to an object that contains it: `shared` must be a tree');
  });

  test('numbers, strings, nested objects and arrays reach every thread; a changed payload is sent again', () => {
    const out = sharedArray(Float64Array, 40);
    const shared = { out, k: 2, label: 'x', nested: { add: [10, 20] } };
    const body = (i: number, s: typeof shared) => {
      s.out[i] = i * s.k + s.nested.add[1]! + (s.label === 'x' ? 1 : 0);
    };
    team.parallelForSync(0, 40, body, { shared, ...NO_FALLBACK });
    expect(out[39]).toBe(39 * 2 + 21);
    shared.k = 3; // the same object, changed: the workers must see the new value
    team.parallelForSync(0, 40, body, { shared, ...NO_FALLBACK });
    expect(Array.from(out)).toEqual(Array.from({ length: 40 }, (_, i) => i * 3 + 21));
  });
});

describe('body errors', () => {
  test('sync: original class, message and index; stack names the index; the team stays usable', () => {
    for (const at of [0, 17, 99]) {
      let thrown: (Error & { index?: number; threadId?: number; chunk?: [number, number] }) | undefined;
      try {
        team.parallelForSync(
          0,
          100,
          (i, s) => {
            if (i === s.at) throw new TypeError(`bad value at ${i}`);
          },
          { shared: { at }, ...NO_FALLBACK },
        );
      } catch (e) {
        thrown = e as typeof thrown;
      }
      expect(thrown).toBeInstanceOf(TypeError);
      expect(thrown!.name).toBe('TypeError');
      expect(thrown!.message).toBe(`bad value at ${at}`);
      expect(thrown!.index).toBe(at);
      expect(thrown!.chunk![0]).toBeLessThanOrEqual(at);
      expect(thrown!.chunk![1]).toBeGreaterThan(at);
      expect(thrown!.threadId).toBe(at < 34 ? 0 : at < 67 ? 1 : 2);
      expect(thrown!.stack).toContain(`at parafor loop index ${at}`);
      usable();
    }
  });

  test('serial runs report the block in flight and its slot, and leave the region', () => {
    // A reduction on 3 threads run serially: blocks [0, 34), [34, 67), [67, 100) in order.
    const fold = (a: number, i: number, s: { at: number }) => {
      if (i === s.at) throw new RangeError(`fold failed at ${i}`);
      return a + i;
    };
    const range = (a: number, lo: number, hi: number, s: { at: number }) => {
      for (let i = lo; i < hi; i++) if (i === s.at) throw new RangeError(`range failed at ${i}`);
      return a + hi - lo;
    };
    // The fallback learns the bodies' cost first, from serial runs (a parallel run whose
    // slots the workers all took teaches it nothing).
    team.parallelReduceSync(0, 100, fold, 'sum', { shared: { at: -1 }, numThreads: 3, if: false });
    team.parallelReduceRangeSync(0, 100, range, 'sum', { shared: { at: -1 }, numThreads: 3, if: false });
    for (const at of [0, 40, 99]) {
      const slot = at < 34 ? 0 : at < 67 ? 1 : 2;
      const block = [[0, 34], [34, 67], [67, 100]][slot];
      for (const opts of [{ if: false }, { serialBelowUs: 1e9 }]) {
        let thrown: (Error & { index?: number; threadId?: number; chunk?: [number, number] }) | undefined;
        try {
          team.parallelReduceSync(0, 100, fold, 'sum', { shared: { at }, numThreads: 3, ...opts });
        } catch (e) {
          thrown = e as typeof thrown;
        }
        expect(thrown).toBeInstanceOf(RangeError);
        expect([thrown!.message, thrown!.index, thrown!.threadId, thrown!.chunk]).toEqual([`fold failed at ${at}`, at, slot, block]);
        expect(inParallel()).toBe(false);
        try {
          team.parallelReduceRangeSync(0, 100, range, 'sum', { shared: { at }, numThreads: 3, ...opts });
          thrown = undefined;
        } catch (e) {
          thrown = e as typeof thrown;
        }
        // A range body reports the first index of its chunk.
        expect([thrown!.message, thrown!.index, thrown!.threadId, thrown!.chunk]).toEqual([`range failed at ${at}`, block![0], slot, block]);
        expect(inParallel()).toBe(false);
      }
    }
    // An error from combining partials is not a body's: thrown as is (a BigInt into 'sum').
    let thrown: (Error & { index?: number; threadId?: number; chunk?: [number, number] }) | undefined;
    try {
      team.parallelReduceSync(0, 2, () => 5n as unknown as number, 'sum', { numThreads: 3, if: false });
    } catch (e) {
      thrown = e as typeof thrown;
    }
    expect(thrown).toBeInstanceOf(TypeError);
    expect(thrown!.message).toMatch(/BigInt/);
    expect([thrown!.index, thrown!.threadId, thrown!.chunk]).toEqual([undefined, undefined, undefined]);
    expect(inParallel()).toBe(false);
    // A loop runs as one block on thread 0.
    try {
      team.parallelForSync(5, 50, (i) => { if (i === 44) throw new Error('loop'); }, { if: false });
    } catch (e) {
      thrown = e as typeof thrown;
    }
    expect([thrown!.index, thrown!.threadId, thrown!.chunk]).toEqual([44, 0, [5, 50]]);
    expect(inParallel()).toBe(false);
    usable();
  });

  test('a failed serial run still teaches the fallback the cost, and its ctx reads cancelled', () => {
    const probe = new Team({ numThreads: 2 });
    const seen = new Int32Array(new SharedArrayBuffer(4));
    const body = (i: number, s: { at: number; seen: Int32Array }, ctx: { numThreads: number; cancelled: boolean }) => {
      // A ctx kept past the run (on the calling thread's global, for this test).
      if (i === 0) (globalThis as { keptCtx?: unknown }).keptCtx = ctx;
      if (i === s.at) throw new Error('x');
      s.seen[0] = ctx.numThreads;
    };
    try {
      expect(() => probe.parallelForSync(0, 100, body, { shared: { at: 99, seen }, if: false })).toThrow('x');
      expect((globalThis as { keptCtx?: { cancelled: boolean } }).keptCtx!.cancelled).toBe(true);
      // The failed run was timed: the next call of the same loop runs serially (one thread).
      probe.parallelForSync(0, 100, body, { shared: { at: -1, seen }, serialBelowUs: 1e6 });
      expect(seen[0]).toBe(1);
    } finally {
      delete (globalThis as { keptCtx?: unknown }).keptCtx;
      void probe.close();
    }
  });

  test('async: rejects the same way, keeps custom names and codes', async () => {
    const err = await team
      .parallelFor(
        0,
        1000,
        (i) => {
          if (i === 500) {
            const e = new Error('disk on fire') as Error & { code: string };
            e.name = 'FireError';
            e.code = 'EFIRE';
            throw e;
          }
        },
        { schedule: 'dynamic', chunk: 10, ...NO_FALLBACK },
      )
      .then(
        () => undefined,
        (e: unknown) => e as Error & { index: number; code: string },
      );
    expect(err).toBeInstanceOf(Error);
    expect(err!.name).toBe('FireError');
    expect(err!.message).toBe('disk on fire');
    expect(err!.code).toBe('EFIRE');
    expect(err!.index).toBe(500);
    expect(err!.stack).toMatch(/^FireError: disk on fire\n {4}at parafor loop index 500/);
    usable();
  });

  test('a thrown non-error becomes an Error that says what was thrown', () => {
    expect(() =>
      team.parallelForSync(
        0,
        10,
        (i) => {
          if (i === 9) throw 'plain string';
        },
        NO_FALLBACK,
      ),
    ).toThrow('a loop body threw a non-error value: "plain string"');
  });

  test('the rest of the region stops early', () => {
    const count = sharedArray(Int32Array, 1);
    // Unstopped, the loop would count to 5e7 (seconds); stopped, it ends near where it threw
    // (the margin allows for the thrower being descheduled on a loaded machine).
    expect(() =>
      team.parallelForSync(
        0,
        50_000_000,
        (i, s) => {
          if (Atomics.add(s.count, 0, 1) === 1000) throw new Error('stop');
        },
        { shared: { count }, schedule: 'dynamic', chunk: 1000, ...NO_FALLBACK },
      ),
    ).toThrow('stop');
    expect(count[0]).toBeLessThan(5_000_000);
    usable();
  });

  test('errors in reductions, range forms and custom identities', async () => {
    expect(() => team.parallelReduceSync(0, 100, (a: number, i) => (i === 50 ? (null as never as { x: number }).x : a + i), 'sum', NO_FALLBACK)).toThrow(TypeError);
    await expect(
      team.parallelReduceRange(
        0,
        100,
        (a: number, lo) => {
          if (lo >= 50) throw new RangeError('late chunk');
          return a;
        },
        'sum',
        { schedule: 'static', chunk: 10, ...NO_FALLBACK },
      ),
    ).rejects.toThrow(new RangeError('late chunk'));
    expect(() =>
      team.parallelReduceSync(0, 100, (a: number) => a, {
        identity: () => {
          throw new Error('no identity');
        },
        combine: (a: number, b: number) => a + b,
      }, NO_FALLBACK),
    ).toThrow('no identity');
    usable();
  });

  test('a body that uses a captured variable fails with an error that points at `shared`', () => {
    const factor = 3;
    expect(() => team.parallelForSync(0, 10, (i) => void (i * factor), NO_FALLBACK)).toThrow(
      'factor is not defined on the worker thread: parafor bodies run on other threads and cannot use variables captured from the scope they were written in. Pass `factor` in the `shared` option (for example { shared: { factor } }) and read it from the body\'s `shared` parameter, or export the body from a module (moduleBody)',
    );
    // The same on the serial paths: a body behaves the same wherever it runs.
    expect(() => team.parallelForSync(0, 10, (i) => void (i * factor), { if: false })).toThrow(ReferenceError);
    usable();
  });

  test('a loop started inside a body says what to do instead', async () => {
    const advice =
      "cannot be called inside a parafor body: a body's `parafor` holds only the body toolkit (Mutex, Barrier, atomicAddFloat64, wtime, inParallel). " +
      "A loop inside a body would run serially on that thread anyway: write the inner loop as a plain for loop, share it among a region's threads with " +
      'ctx.for inside parallel()/parallelSync(), or export the body from a module that imports parafor (moduleBody), where a nested call runs serially';
    for (const options of [NO_FALLBACK, { if: false }]) {
      expect(() => team.parallelForSync(0, 4, () => parafor.parallelForSync(0, 2, () => {}), options)).toThrow(new TypeError(`parafor.parallelForSync ${advice}`));
    }
    await expect(team.parallel(() => void parafor.parallelMapSync([1], (x) => x))).rejects.toThrow(new TypeError(`parafor.parallelMapSync ${advice}`));
    expect(() => team.parallelReduceSync(0, 4, (a: number) => a + parafor.parallelReduceSync(0, 1, (b: number) => b, 'sum'), 'sum', NO_FALLBACK)).toThrow(
      `parafor.parallelReduceSync ${advice}`,
    );
    // A loop function imported by name where the body was written is not defined on the worker: the same advice.
    expect(() => team.parallelForSync(0, 4, () => parallelForSync(0, 2, () => {}), NO_FALLBACK)).toThrow(`parallelForSync ${advice}`);
    // The toolkit itself still works.
    const t = sharedArray(Float64Array, 1);
    team.parallelForSync(0, 4, (i, s) => parafor.atomicAddFloat64(s.t, 0, parafor.inParallel() ? 1 : 0), { shared: { t }, ...NO_FALLBACK });
    expect(t[0]).toBe(4);
    usable();
  });

  test('a body that returns a promise fails: bodies must be synchronous', async () => {
    const message =
      'a parafor body returned a promise: bodies must be synchronous, as parafor does not await what they return (their asynchronous part would ' +
      'run after the call had ended). Do the asynchronous work before or after the call and pass its results in `shared`';
    const promised = ((i: number) => Promise.resolve(i)) as never;
    for (const options of [NO_FALLBACK, { if: false }, { numThreads: 1 }]) {
      expect(() => team.parallelForSync(0, 10, promised, options)).toThrow(new TypeError(message));
      expect(() => team.parallelForRangeSync(0, 10, ((lo: number) => Promise.resolve(lo)) as never, options)).toThrow(new TypeError(message));
      expect(() => team.parallelReduceSync(0, 10, ((acc: number) => Promise.resolve(acc)) as never, 'sum', options)).toThrow(new TypeError(message));
      expect(() => team.parallelReduceRangeSync(0, 10, ((acc: number) => Promise.resolve(acc)) as never, 'sum', options)).toThrow(new TypeError(message));
      expect(() => team.parallelMapSync([1, 2, 3], promised, options)).toThrow(new TypeError(message));
      expect(() => team.sectionsSync([() => 1, (() => Promise.resolve(2)) as never], options)).toThrow(new TypeError(message));
    }
    // A thenable that is not a Promise is one too, and the index that returned it is named.
    let thrown: (Error & { index?: number }) | undefined;
    try {
      team.parallelForSync(0, 10, ((i: number) => (i === 7 ? { then: () => {} } : undefined)) as never, NO_FALLBACK);
    } catch (err) {
      thrown = err as Error & { index?: number };
    }
    expect(thrown).toBeInstanceOf(TypeError);
    expect(thrown?.index).toBe(7);
    await expect(team.parallel((() => Promise.resolve()) as never)).rejects.toThrow(new TypeError(message));
    await expect(team.parallelMap([1, 2], promised, NO_FALLBACK)).rejects.toThrow(new TypeError(message));
    // A map that runs here, its cost still unknown (probeMapHere), refuses it as well.
    const fresh = new Team({ numThreads: 2 });
    expect(() => fresh.parallelMapSync([1], ((x: number) => Promise.resolve(x + 0.5)) as never)).toThrow(new TypeError(message));
    await fresh.close();
    usable();
  });

  test('module-level helpers throw too, and keep working afterwards', () => {
    expect(() => parallelForSync(0, 10, () => { throw new SyntaxError('x'); }, NO_FALLBACK)).toThrow(SyntaxError);
    const hits = sharedArray(Int32Array, 10);
    parallelForSync(0, 10, (i, s) => void (s.hits[i] = 1), { shared: { hits }, ...NO_FALLBACK });
    expect(Array.from(hits)).toEqual(new Array(10).fill(1));
  });
});

describe('error details', () => {
  test("an error's own primitive properties (path, errno, ...) survive the trip from a worker", async () => {
    const err = await team
      .parallelFor(0, 10, (i) => {
        if (i === 7) {
          const e = new Error('ENOENT: no such file') as Error & { path: string; errno: number; code: string; syscall: string };
          Object.assign(e, { path: '/nope', errno: -2, code: 'ENOENT', syscall: 'open' });
          throw e;
        }
      }, NO_FALLBACK)
      .then(() => undefined, (e: unknown) => e as Error & Record<string, unknown>);
    expect(err).toMatchObject({ message: 'ENOENT: no such file', path: '/nope', errno: -2, code: 'ENOENT', syscall: 'open', index: 7 });
  });
});
