// Parallel regions and their constructs, sections, parallelMap, and the shared-memory
// synchronisation helpers: each spec proves the semantics, not just that a call returns.
import * as parafor from 'parafor';
import { Team, sharedArray } from 'parafor';

const team = new Team({ numThreads: 4 });
beforeAll(() => team.start({ forAsync: true }));
afterAll(() => team.close());

describe('parallel regions', () => {
  test('the body runs once on every thread, all at once, with its thread id', async () => {
    for (const async of [false, true]) {
      const seen = sharedArray(Int32Array, 4);
      const inside = sharedArray(Int32Array, 2);
      const body = (s: { seen: Int32Array; inside: Int32Array }, ctx: parafor.RegionContext) => {
        Atomics.add(s.seen, ctx.threadId, 1);
        const now = Atomics.add(s.inside, 0, 1) + 1;
        const deadline = Date.now() + 10_000;
        while (Atomics.load(s.inside, 0) < ctx.numThreads && Date.now() < deadline);
        if (now > s.inside[1]!) s.inside[1] = now;
      };
      if (async) await team.parallel(body, { shared: { seen, inside } });
      else team.parallelSync(body, { shared: { seen, inside } });
      expect(Array.from(seen)).toEqual([1, 1, 1, 1]);
      expect(inside[0]).toBe(4);
    }
  });

  test('a barrier separates phases: every write of phase 1 is visible to every thread in phase 2', () => {
    const cells = sharedArray(Int32Array, 4 * 50);
    const bad = sharedArray(Int32Array, 1);
    team.parallelSync(
      (s, ctx) => {
        for (let round = 0; round < 50; round++) {
          s.cells[round * 4 + ctx.threadId] = round + 1;
          ctx.barrier();
          for (let t = 0; t < ctx.numThreads; t++) if (s.cells[round * 4 + t] !== round + 1) Atomics.add(s.bad, 0, 1);
          ctx.barrier();
        }
      },
      { shared: { cells, bad } },
    );
    expect(bad[0]).toBe(0);
  });

  test('critical excludes: an unprotected read-modify-write loses updates, a critical one does not', () => {
    const counters = sharedArray(Float64Array, 2);
    team.parallelSync(
      (s, ctx) => {
        for (let k = 0; k < 20_000; k++) {
          ctx.critical(() => {
            s.counters[0] = s.counters[0]! + 1;
          });
          ctx.critical(() => {
            s.counters[1] = s.counters[1]! + 1;
          }, 'second');
        }
      },
      { shared: { counters } },
    );
    expect(Array.from(counters)).toEqual([80_000, 80_000]);
  });

  test('single runs once, the others wait for it; master runs on thread 0 only, without waiting', () => {
    const log = sharedArray(Int32Array, 16);
    team.parallelSync(
      (s, ctx) => {
        for (let k = 0; k < 5; k++) {
          ctx.single(() => {
            Atomics.add(s.log, k, 1);
          });
          // After the single's barrier, everyone sees its write.
          if (Atomics.load(s.log, k) !== 1) Atomics.add(s.log, 15, 1);
        }
        ctx.master(() => {
          Atomics.add(s.log, 10, 1 + ctx.threadId * 100);
        });
      },
      { shared: { log } },
    );
    expect(Array.from(log.subarray(0, 5))).toEqual([1, 1, 1, 1, 1]);
    expect(log[10]).toBe(1);
    expect(log[15]).toBe(0);
  });

  test('worksharing for: every schedule covers every index once; its barrier ends the loop', () => {
    const hits = sharedArray(Int32Array, 1000);
    const bad = sharedArray(Int32Array, 1);
    team.parallelSync(
      (s, ctx) => {
        const schedules = ['static', 'dynamic', 'guided', 'auto'] as const;
        for (let k = 0; k < schedules.length; k++) {
          ctx.for(0, 1000, (i) => {
            Atomics.add(s.hits, i, 1);
          }, { schedule: schedules[k], chunk: schedules[k] === 'auto' ? undefined : 7 });
          // The implied barrier: every index of this loop is done before anyone goes on.
          for (let i = 0; i < 1000; i++) if (Atomics.load(s.hits, i) !== k + 1) Atomics.add(s.bad, 0, 1);
          ctx.barrier();
        }
        ctx.for(0, 1000, (i) => {
          Atomics.add(s.hits, i, 1);
        }, { nowait: true });
      },
      { shared: { hits, bad } },
    );
    expect(bad[0]).toBe(0);
    expect(hits.every((v) => v === 5)).toBe(true);
  });

  test('a static worksharing loop inside another one\'s body: both cover their indexes', () => {
    const outer = sharedArray(Int32Array, 10);
    const inner = sharedArray(Int32Array, 6);
    team.parallelSync(
      (s, ctx) => {
        ctx.for(0, 4, () => {});
        ctx.for(0, 10, (i) => {
          Atomics.add(s.outer, i, 1);
          // Every thread runs the same number of outer iterations (10 over 2 threads).
          ctx.for(0, 6, (j) => void Atomics.add(s.inner, j, 1), { nowait: true });
        }, { chunk: 1 });
      },
      { shared: { outer, inner }, numThreads: 2 },
    );
    expect(Array.from(outer)).toEqual(new Array(10).fill(1));
    // Each of the 5 rounds shares the 6 inner indexes between the 2 threads.
    expect(Array.from(inner)).toEqual(new Array(6).fill(5));
  });

  test('nowait is refused for shared-counter schedules, naming the schedule', () => {
    expect(() => team.parallelSync((s, ctx) => ctx.for(0, 10, () => {}, { schedule: 'dynamic', nowait: true }))).toThrow(
      '`nowait` needs the static schedule (the shared work counter is reset at the barrier), got "dynamic"',
    );
    expect(() => team.parallelSync(() => {}, { schedule: 'dynamic' } as never)).toThrow(TypeError);
  });

  test('an error in one thread releases the others from barriers: the call fails, nothing hangs', async () => {
    for (const async of [false, true]) {
      const body = (s: undefined, ctx: parafor.RegionContext) => {
        if (ctx.threadId === 2) throw new RangeError('thread 2 failed');
        ctx.barrier();
        ctx.barrier();
      };
      const run = async ? team.parallel(body) : Promise.resolve().then(() => team.parallelSync(body));
      const err = await run.then(() => undefined, (e: unknown) => e as Error & { threadId: number });
      expect(err).toBeInstanceOf(RangeError);
      expect(err!.message).toBe('thread 2 failed');
      expect(err!.threadId).toBe(2);
      // The team is usable afterwards.
      const out = sharedArray(Int32Array, 4);
      team.parallelSync((s, ctx) => {
        ctx.barrier();
        s.out[ctx.threadId] = 1;
      }, { shared: { out } });
      expect(Array.from(out)).toEqual([1, 1, 1, 1]);
    }
  });

  test('if: false runs the region on the calling thread alone', () => {
    const out = sharedArray(Int32Array, 2);
    team.parallelSync((s, ctx) => {
      s.out[0] = ctx.numThreads;
      ctx.barrier();
      ctx.single(() => void (s.out[1] = 7));
    }, { shared: { out }, if: false });
    expect(Array.from(out)).toEqual([1, 7]);
  });
});

describe('sections', () => {
  test('different functions run in parallel; results come back in order', async () => {
    type S = { arrived: Int32Array };
    // Each section waits until all three have started: passes only if they run at once.
    // (Sections cannot share a helper: each is shipped on its own, so each spells it out.)
    const first = (s: S) => {
      Atomics.add(s.arrived, 0, 1);
      const deadline = Date.now() + 10_000;
      while (Atomics.load(s.arrived, 0) < 3 && Date.now() < deadline);
      return ['first', Atomics.load(s.arrived, 0)];
    };
    const second = (s: S) => {
      Atomics.add(s.arrived, 0, 1);
      const deadline = Date.now() + 10_000;
      while (Atomics.load(s.arrived, 0) < 3 && Date.now() < deadline);
      return { second: Atomics.load(s.arrived, 0) };
    };
    const third = (s: S) => {
      Atomics.add(s.arrived, 0, 1);
      const deadline = Date.now() + 10_000;
      while (Atomics.load(s.arrived, 0) < 3 && Date.now() < deadline);
      return Atomics.load(s.arrived, 0) * 100;
    };
    const arrived = sharedArray(Int32Array, 1);
    expect(await team.sections([first, second, third], { shared: { arrived } })).toEqual([['first', 3], { second: 3 }, 300]);
    arrived[0] = 0;
    expect(team.sectionsSync([first, second, third], { shared: { arrived } })).toEqual([['first', 3], { second: 3 }, 300]);
    expect(team.sectionsSync([() => 'a', () => 'b'])).toEqual(['a', 'b']);
  });

  test('a failing section rejects with its error', async () => {
    await expect(team.sections([() => 1, () => { throw new TypeError('section 2'); }])).rejects.toThrow(new TypeError('section 2'));
    expect(() => team.sectionsSync([1 as never])).toThrow('`functions[0]` must be a function, got 1');
    expect(() => team.sectionsSync([() => 1], { numThreads: 0 })).toThrow('`numThreads` must be a positive integer, got 0');
    expect(() => team.sectionsSync([() => 1], { numThreads: 2.5 })).toThrow('`numThreads` must be a positive integer, got 2.5');
  });
});

describe('parallelMap', () => {
  test('results in order, for every size and thread count; sync and async agree', async () => {
    for (const n of [0, 1, 3, 10, 1000]) {
      const items = Array.from({ length: n }, (_, i) => ({ id: i, name: `item${i}` }));
      const want = items.map((x, i) => `${x.name}:${x.id * 2}:${i}`);
      for (const numThreads of [1, 2, 4]) {
        expect(team.parallelMapSync(items, (x, i) => `${x.name}:${x.id * 2}:${i}`, { numThreads, serialBelowUs: 0 })).toEqual(want);
        expect(await team.parallelMap(items, (x, i) => `${x.name}:${x.id * 2}:${i}`, { numThreads, serialBelowUs: 0 })).toEqual(want);
      }
    }
  });

  test('the tutorial: 1000 squares, and `shared` reaches the function', async () => {
    const squares = await team.parallelMap(Array.from({ length: 1000 }, (_, i) => i), (x) => x * x);
    expect(squares[999]).toBe(998001);
    expect(team.parallelMapSync([1, 2, 3], (x, i, s) => x * s.k + i, { shared: { k: 10 } })).toEqual([10, 21, 32]);
  });

  test('a small map, once measured, runs on the calling thread, in order, with `shared`, as a body (inParallel() is true)', async () => {
    const items = Array.from({ length: 100 }, (_, i) => i);
    // -1 from any thread but the calling one (the main thread here).
    const fn = (x: number, i: number, s: { k: number }) =>
      (process as unknown as { getBuiltinModule(id: string): { isMainThread: boolean } }).getBuiltinModule('node:worker_threads').isMainThread && parafor.inParallel()
        ? x * s.k + i
        : -1;
    const want = items.map((x, i) => x * 10 + i);
    team.parallelMapSync(items, fn, { shared: { k: 10 }, serialBelowUs: 1e9 }); // measures fn
    expect(team.parallelMapSync(items, fn, { shared: { k: 10 }, serialBelowUs: 1e9 })).toEqual(want);
    expect(await team.parallelMap(items, fn, { shared: { k: 10 }, serialBelowUs: 1e9 })).toEqual(want);
    expect(team.parallelMapSync(items, fn, { shared: { k: 10 }, if: false })).toEqual(want);
    // A new map's first call starts on the calling thread, 16 items between looks at the clock,
    // and sends what is left once the threshold's time has passed (at once, here) to the team.
    const fresh = (x: number, i: number, s: { k: number }) =>
      (process as unknown as { getBuiltinModule(id: string): { isMainThread: boolean } }).getBuiltinModule('node:worker_threads').isMainThread ? x * s.k + i : -(x * s.k + i);
    const first = team.parallelMapSync(items, fresh, { shared: { k: 10 }, serialBelowUs: 1e-9 });
    expect(first.slice(0, 16)).toEqual(want.slice(0, 16));
    expect(first.map(Math.abs)).toEqual(want);
  });

  test('a map run on the calling thread still refuses what a parallel run could not send, and names the item that threw', async () => {
    const fn = (x: unknown) => x;
    // The paths name what the user wrote: `items[k]` and `shared`, not the payload that carries them.
    for (const options of [{ if: false }, { serialBelowUs: 0 }]) {
      expect(() => team.parallelMapSync([1, () => 2], fn, options)).toThrow(/^`items\[1\]` cannot be sent to worker threads, got function \(anonymous\): parallelMap items may be /);
      expect(() => team.parallelMapSync([1, 2], fn, { ...options, shared: { f: Symbol('no') } as never })).toThrow(/^`shared\.f` cannot be shared with worker threads/);
      expect(() => team.parallelMapSync([{ a: 1 }, 2], fn, { ...options, shared: { f: Symbol('no') } as never })).toThrow(/^`shared\.f` cannot be shared with worker threads/);
    }
    for (const options of [{ if: false }, { serialBelowUs: 0 }]) {
      let thrown: unknown;
      try {
        team.parallelMapSync([1, 2, 3, 4, 5], (x: number) => {
          if (x === 4) throw new RangeError(`bad item ${x}`);
          return x;
        }, options);
      } catch (err) {
        thrown = err;
      }
      expect(thrown).toBeInstanceOf(RangeError);
      expect((thrown as Error).message).toBe('bad item 4');
      // On the calling thread the index is the item's; a parallel range fold reports its chunk's start.
      if (options.if === false) expect((thrown as { index: number }).index).toBe(3);
    }
  });

  test('an asynchronous map small enough for the calling thread still waits for the asynchronous loops queued before it', async () => {
    const flag = sharedArray(Int32Array, 1);
    const read = (x: number, i: number, s: { flag: Int32Array }) => Atomics.load(s.flag, 0) + x;
    await team.parallelMap([0], read, { shared: { flag }, serialBelowUs: 1e9 }); // measures `read`
    const first = team.parallelFor(
      0,
      2,
      (i: number, s: { flag: Int32Array }) => {
        const until = Date.now() + 100;
        while (Date.now() < until);
        Atomics.store(s.flag, 0, 1);
      },
      { shared: { flag } },
    );
    const second = team.parallelMap([0], read, { shared: { flag }, serialBelowUs: 1e9 });
    await first;
    expect(await second).toEqual([1]);
  });

  test('bad input', async () => {
    expect(() => team.parallelMapSync('abc' as never, (x) => x)).toThrow('`items` must be an array, got "abc"');
    await expect(team.parallelMap([1], 5 as never)).rejects.toThrow('`fn` must be a function, got 5');
    expect(() => team.parallelMapSync([1], (x) => x, { schedule: 'dynamic' } as never)).toThrow('unknown option `schedule` in `options`; known options: shared, numThreads, if, serialBelowUs, signal, timeout');
  });
});

describe('synchronisation helpers inside loop bodies (through the name `parafor`)', () => {
  test('atomicAddFloat64 loses no update; a plain += does', () => {
    const acc = sharedArray(Float64Array, 2);
    team.parallelForSync(0, 200_000, (i, s) => {
      parafor.atomicAddFloat64(s.acc, 0, 0.5);
    }, { shared: { acc }, serialBelowUs: 0 });
    expect(acc[0]).toBe(100_000);
    expect(parafor.atomicAddFloat64(acc, 1, 2.5)).toBe(0);
    expect(acc[1]).toBe(2.5);
  });

  test('Mutex excludes across threads', () => {
    const lock = sharedArray(Int32Array, 1);
    const value = sharedArray(Float64Array, 1);
    team.parallelForSync(0, 100_000, (i, s) => {
      const m = new parafor.Mutex(s.lock);
      m.withLock(() => {
        s.value[0] = s.value[0]! + 1;
      });
    }, { shared: { lock, value }, schedule: 'dynamic', chunk: 100, serialBelowUs: 0 });
    expect(value[0]).toBe(100_000);
    expect(lock[0]).toBe(0);
  });

  test('Barrier separates phases inside a loop whose threads all run at once', () => {
    const words = sharedArray(Int32Array, 2);
    const data = sharedArray(Int32Array, 4);
    const bad = sharedArray(Int32Array, 1);
    team.parallelForRangeSync(0, 4, (lo, hi, s, ctx) => {
      const b = new parafor.Barrier(s.words, ctx.numThreads);
      for (let round = 1; round <= 100; round++) {
        s.data[ctx.threadId] = round;
        b.wait();
        for (let t = 0; t < 4; t++) if (s.data[t] !== round) Atomics.add(s.bad, 0, 1);
        b.wait();
      }
    }, { shared: { words, data, bad }, chunk: 1, serialBelowUs: 0 });
    expect(bad[0]).toBe(0);
  });

  test('wtime is seconds, monotone, and bad helper input is refused', () => {
    const a = parafor.wtime();
    const b = parafor.wtime();
    expect(b).toBeGreaterThanOrEqual(a);
    expect(Math.abs(a - Date.now() / 1000)).toBeLessThan(5);
    expect(() => new parafor.Mutex(new Int32Array(1))).toThrow('`i32` must be a Int32Array on a SharedArrayBuffer (sharedArray(Int32Array, n))');
    expect(() => new parafor.Barrier(sharedArray(Int32Array, 2), 0)).toThrow('`parties` must be a positive integer, got 0');
    expect(() => parafor.atomicAddFloat64(new Float64Array(1), 0, 1)).toThrow(TypeError);
  });

  test('inParallel() is true inside bodies, false outside', () => {
    const out = sharedArray(Int32Array, 4);
    team.parallelForSync(0, 4, (i, s) => void (s.out[i] = parafor.inParallel() ? 1 : 0), { shared: { out }, serialBelowUs: 0 });
    expect(Array.from(out)).toEqual([1, 1, 1, 1]);
    expect(parafor.inParallel()).toBe(false);
  });
});

describe('module-level forms use the default team', () => {
  test('parallel, sections and parallelMap', async () => {
    const out = sharedArray(Int32Array, parafor.numThreads());
    parafor.parallelSync((s, ctx) => void (s.out[ctx.threadId] = 1), { shared: { out } });
    await parafor.parallel((s, ctx) => void (s.out[ctx.threadId] = 2), { shared: { out } });
    expect(Array.from(out)).toEqual(new Array(parafor.numThreads()).fill(2));
    expect(await parafor.sections([() => 'a', () => 'b'])).toEqual(['a', 'b']);
    expect(parafor.sectionsSync([() => 1])).toEqual([1]);
    expect(await parafor.parallelMap([1, 2], (x) => -x)).toEqual([-1, -2]);
    expect(parafor.parallelMapSync([3], (x) => x + 1)).toEqual([4]);
  });
});
