// The team: parallelism is real, nesting is serial, async calls queue, oversubscription
// stays correct, workers never keep the process alive, start-up races are closed.
import { Team, sharedArray, moduleBody, numThreads, cpuCount, getDefaultTeam, inParallel } from 'parafor';
import { runNode } from './helpers.js';
import { warmUp } from '#internal/call/warm.js';
import { teamSettings } from '#internal/options.js';
import { readEnv } from '#internal/platform/index.js';

const NO_FALLBACK = { serialBelowUs: 0 };

/**
 * A barrier inside the body: passes only when `ctx.numThreads` threads are inside the body
 * at the same time (each waits, with a deadline, until all have arrived).
 */
const barrierBody = (lo: number, hi: number, s: { arrived: Int32Array; ok: Int32Array }, ctx: { threadId: number; numThreads: number }) => {
  Atomics.add(s.arrived, 0, 1);
  const deadline = Date.now() + 10_000;
  while (Atomics.load(s.arrived, 0) < ctx.numThreads) {
    if (Date.now() > deadline) return;
    Atomics.wait(s.arrived, 0, Atomics.load(s.arrived, 0), 10);
  }
  s.ok[ctx.threadId] = 1;
};

describe('parallelism is proven, not assumed', () => {
  for (const t of [2, 3, 4, 8]) {
    test(`${t} threads are inside the body at once (sync and async)`, async () => {
      const team = new Team({ numThreads: t });
      try {
        await team.start({ forAsync: true });
        for (const async of [false, true]) {
          const arrived = sharedArray(Int32Array, 1);
          const ok = sharedArray(Int32Array, t);
          const opts = { shared: { arrived, ok }, chunk: 1, ...NO_FALLBACK };
          if (async) await team.parallelForRange(0, t, barrierBody, opts);
          else team.parallelForRangeSync(0, t, barrierBody, opts);
          expect(Array.from(ok)).toEqual(new Array(t).fill(1));
        }
      } finally {
        await team.close();
      }
    });
  }
});

describe('start()', () => {
  test('starts the workers of a call size: sync (T - 1), async (T), or another size; bad options are refused by name', async () => {
    const team = new Team({ numThreads: 3 });
    try {
      await team.start();
      expect(team.workersStarted).toBe(2);
      await team.start({ forAsync: true });
      expect(team.workersStarted).toBe(3);
      await team.start({ numThreads: 5 });
      expect(team.workersStarted).toBe(4);
      await expect(team.start(true as never)).rejects.toThrow('`options` must be an object such as { forAsync: true }, got true');
      await expect(team.start({ forAsync: 1 } as never)).rejects.toThrow('`forAsync` must be a boolean, got 1');
      await expect(team.start({ numThreads: 0 })).rejects.toThrow(/^`numThreads` must be/);
      await expect(team.start({ threads: 2 } as never)).rejects.toThrow(/^unknown option `threads` in `options`; known options: forAsync, numThreads/);
      // The calls after a refused start are exact.
      expect(team.parallelReduceSync(0, 1000, (acc: number, i: number) => acc + i, 'sum', { serialBelowUs: 0 })).toBe(499500);
    } finally {
      await team.close();
    }
    await expect(team.start()).rejects.toThrow(/closed/);
  });
});

describe('nesting', () => {
  test('a parafor call inside a body runs serially on that thread, never deadlocks', async () => {
    const team = new Team({ numThreads: 3 });
    await team.start({ forAsync: true });
    const out = sharedArray(Int32Array, 12);
    const inner = sharedArray(Int32Array, 10);
    const body = moduleBody(new URL('./fixtures/kernels.js', import.meta.url), 'nested');
    await team.parallelForRange(0, 12, body, { shared: { out, inner }, chunk: 1, ...NO_FALLBACK });
    expect(Array.from(out)).toEqual(new Array(12).fill(1));
    expect(Array.from(inner)).toEqual(new Array(10).fill(12));
    expect(inParallel()).toBe(false);
    await team.close();
  });

  test('every call form nests, a parallel region as a team of one with working constructs', async () => {
    const team = new Team({ numThreads: 2 });
    await team.start();
    const out = sharedArray(Float64Array, 6);
    const body = moduleBody(new URL('./fixtures/kernels.js', import.meta.url), 'nestedForms');
    await team.parallelForRange(0, 6, body, { shared: { out }, chunk: 1, ...NO_FALLBACK });
    // Region: single once (1), ctx.for's 5 iterations (50), critical (100), one thread
    // (1000), threadId 0, not cancelled; reduce 45; range widths 10; 7 calls; one range of 6.
    const expected = 1 + 50 + 100 + 1000 + 45e4 + 10 * 1000 + 7e7 + 16e8;
    expect(Array.from(out)).toEqual(new Array(6).fill(expected));
    // A nested loop body that returns a promise is refused as at top level.
    const bad = moduleBody(new URL('./fixtures/kernels.js', import.meta.url), 'nestedPromise');
    await expect(team.parallelForRange(0, 2, bad, { ...NO_FALLBACK })).rejects.toThrow(/promise/);
    // And the next call is exact.
    await team.parallelForRange(0, 6, body, { shared: { out: out.fill(0) }, chunk: 1, ...NO_FALLBACK });
    expect(Array.from(out)).toEqual(new Array(6).fill(expected));
    await team.close();
  });

  test('on the calling thread too (sync), with the outer loop unaffected', async () => {
    const team = new Team({ numThreads: 2 });
    await team.start();
    const out = sharedArray(Int32Array, 40);
    const inner = sharedArray(Int32Array, 10);
    const body = moduleBody(new URL('./fixtures/kernels.js', import.meta.url), 'nested');
    // The first call loads the module on the calling thread in the background.
    await team.parallelForRange(0, 20, body, { shared: { out, inner }, chunk: 1, ...NO_FALLBACK });
    await new Promise((r) => setTimeout(r, 50));
    team.parallelForRangeSync(20, 40, body, { shared: { out, inner }, chunk: 1, ...NO_FALLBACK });
    expect(Array.from(out)).toEqual(new Array(40).fill(1));
    expect(Array.from(inner)).toEqual(new Array(10).fill(40));
    await team.close();
  });
});

describe('asynchronous calls', () => {
  test('concurrent async calls on one team are queued, never interleaved', async () => {
    const team = new Team({ numThreads: 2 });
    const log = sharedArray(Int32Array, 64);
    // Each thread of each call logs the call's number on entry; interleaved calls would mix the log.
    const body = (lo: number, hi: number, s: { log: Int32Array; call: number }) => {
      const slot = Atomics.add(s.log, 0, 1) + 1;
      s.log[slot] = s.call;
      const until = Date.now() + 2;
      while (Date.now() < until);
    };
    const calls = Array.from({ length: 10 }, (_, call) =>
      team.parallelForRange(0, 2, body, { shared: { log, call }, chunk: 1, ...NO_FALLBACK }),
    );
    await Promise.all(calls);
    const order = Array.from(log.subarray(1, 1 + log[0]!));
    expect(order).toEqual([0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9]);
    await team.close();
  });

  test('a failing call in the queue does not stop the ones after it', async () => {
    const team = new Team({ numThreads: 2 });
    const results = await Promise.allSettled([
      team.parallelReduce(0, 100, (a: number, i) => a + i, 'sum', NO_FALLBACK),
      team.parallelFor(0, 100, () => { throw new Error('second fails'); }, NO_FALLBACK),
      team.parallelReduce(0, 100, (a: number, i) => a + 2 * i, 'sum', NO_FALLBACK),
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect((results[0] as PromiseFulfilledResult<number>).value).toBe(4950);
    expect((results[2] as PromiseFulfilledResult<number>).value).toBe(9900);
    await team.close();
  });

  test('the event loop keeps running while an async loop works', async () => {
    const team = new Team({ numThreads: 2 });
    let ticks = 0;
    const timer = setInterval(() => ticks++, 1);
    await team.parallelForRange(
      0,
      2,
      () => {
        const until = Date.now() + 60;
        while (Date.now() < until);
      },
      { chunk: 1, ...NO_FALLBACK },
    );
    clearInterval(timer);
    expect(ticks).toBeGreaterThan(5);
    await team.close();
  });

  test('async calls with if: false or one thread still leave the event loop free', async () => {
    const team = new Team({ numThreads: 2 });
    for (const opts of [{ if: false }, { numThreads: 1 }]) {
      let ticks = 0;
      const timer = setInterval(() => ticks++, 1);
      const got = await team.parallelReduceRange(0, 2, (a: number, lo, hi) => {
        const until = Date.now() + 40;
        while (Date.now() < until);
        return a + (hi - lo);
      }, 'sum', { ...opts, chunk: 1, serialBelowUs: 0 } as never);
      clearInterval(timer);
      expect(got).toBe(2);
      expect(ticks).toBeGreaterThan(5);
    }
    await team.close();
  });

  test('a sync call while an async loop holds the team runs serially, with the right result', async () => {
    const team = new Team({ numThreads: 2 });
    const slow = team.parallelForRange(0, 2, () => {
      const until = Date.now() + 50;
      while (Date.now() < until);
    }, { chunk: 1, ...NO_FALLBACK });
    await new Promise((r) => setTimeout(r, 5));
    expect(team.parallelReduceSync(0, 1000, (a: number, i) => a + i, 'sum', NO_FALLBACK)).toBe(499500);
    await slow;
    await team.close();
  });
});

describe('oversubscription and start-up', () => {
  test(`a team bigger than the cores (${cpuCount()} here) stays correct`, async () => {
    const t = Math.max(6, 3 * cpuCount());
    const team = new Team({ numThreads: t });
    const hits = sharedArray(Int32Array, 5000);
    for (let rep = 0; rep < 30; rep++) {
      const schedule = (['static', 'dynamic', 'guided'] as const)[rep % 3];
      if (rep % 2) await team.parallelFor(0, 5000, (i, s) => void Atomics.add(s.hits, i, 1), { shared: { hits }, schedule, ...NO_FALLBACK });
      else team.parallelForSync(0, 5000, (i, s) => void Atomics.add(s.hits, i, 1), { shared: { hits }, schedule, ...NO_FALLBACK });
    }
    expect(hits.every((v) => v === 30)).toBe(true);
    const sum = team.parallelReduceSync(0, 100_000, (a: number, i) => a + i, 'sum', NO_FALLBACK);
    expect(sum).toBe(4999950000);
    await team.close();
  });

  test('regions started while workers are still starting all complete (start-up race)', async () => {
    for (let rep = 0; rep < 5; rep++) {
      const team = new Team({ numThreads: 4 });
      const hits = sharedArray(Int32Array, 64);
      // No start(): the first regions overlap the workers' start-up.
      for (let k = 0; k < 300; k++) {
        if (k % 3 === 0) await team.parallelFor(0, 64, (i, s) => void Atomics.add(s.hits, i, 1), { shared: { hits }, ...NO_FALLBACK });
        else team.parallelForSync(0, 64, (i, s) => void Atomics.add(s.hits, i, 1), { shared: { hits }, schedule: 'dynamic', ...NO_FALLBACK });
      }
      expect(hits.every((v) => v === 300)).toBe(true);
      await team.close();
    }
  });

  test('a cold team does not wait for its workers: the first sync call runs at once', () => {
    const team = new Team({ numThreads: 4 });
    const t0 = performance.now();
    const sum = team.parallelReduceSync(0, 1000, (a: number, i) => a + i, 'sum', NO_FALLBACK);
    const ms = performance.now() - t0;
    expect(sum).toBe(499500);
    // Starting a worker takes 20-60 ms; a tiny first loop started none of them.
    expect(team.workersStarted).toBe(0);
    expect(ms).toBeLessThan(20);
    void team.close();
  });
});

describe('lifecycle', () => {
  test('close() is idempotent, asyncDispose closes, a closed team refuses work', async () => {
    const team = new Team({ numThreads: 2 });
    await team.start();
    await Promise.all([team.close(), team.close()]);
    await team.close();
    expect(team.closed).toBe(true);
    expect(() => team.parallelForSync(0, 10, () => {}, NO_FALLBACK)).toThrow('this parafor Team is closed: create a new Team to run more loops');
    await expect(team.parallelFor(0, 10, () => {})).rejects.toThrow('this parafor Team is closed');
    // An empty range too: whether a call has work does not change whether the team can take it.
    expect(() => team.parallelForSync(5, 5, () => {})).toThrow('this parafor Team is closed');
    await expect(team.parallelReduce(5, 5, (a: number) => a, 'sum')).rejects.toThrow('this parafor Team is closed');
    {
      await using t2 = new Team({ numThreads: 2 });
      expect(t2.parallelReduceSync(0, 10, (a: number, i) => a + i, 'sum', NO_FALLBACK)).toBe(45);
    }
  });

  test('close() waits for queued async loops', async () => {
    const team = new Team({ numThreads: 2 });
    const out = sharedArray(Int32Array, 1);
    const p = team.parallelForRange(0, 2, (lo, hi, s) => {
      const until = Date.now() + 30;
      while (Date.now() < until);
      Atomics.add(s.out, 0, 1);
    }, { shared: { out }, chunk: 1, ...NO_FALLBACK });
    await team.close();
    await p;
    expect(out[0]).toBe(2);
  });

  test('a process that never calls close() still exits', () => {
    const res = runNode(`
      import { parallelForSync, parallelReduce, sharedArray, Team } from 'parafor';
      const a = sharedArray(Float64Array, 1000);
      parallelForSync(0, 1000, (i, s) => { s.a[i] = i; }, { shared: { a }, serialBelowUs: 0 });
      const t = new Team({ numThreads: 3 });
      await t.start({ forAsync: true });
      const s = await parallelReduce(0, 1000, (acc, i, sh) => acc + sh.a[i], 'sum', { shared: { a }, serialBelowUs: 0 });
      console.log('sum', s, t.parallelReduceSync(0, 10, (x, i) => x + i, 'sum', { serialBelowUs: 0 }));
    `);
    expect(res.stderr).toBe('');
    expect(res.stdout.trim()).toBe('sum 499500 45');
    expect(res.status).toBe(0);
  });

  test('the idle-time warm-up runs every loop form on its own team without starting a worker', async () => {
    const team = warmUp(() => new Team({ numThreads: 2 }));
    expect(team.workersStarted).toBe(0);
    await team.close();
  });

  test('the warm-up keeps nothing alive and never reports its own errors', () => {
    // Nothing else to do: the process exits without waiting for it (or the supervisor).
    const quiet = runNode(`import { Team } from 'parafor'; new Team({ numThreads: 2 });`);
    expect(quiet.stderr).toBe('');
    expect(quiet.status).toBe(0);
    // A bad environment variable makes the warm-up's team fail; only the program's own call says so.
    const res = runNode(
      `
      import { Team, parallelForSync } from 'parafor';
      new Team({ numThreads: 2, waitPolicy: 'active' }); // the first team made schedules the warm-up
      await new Promise((r) => setTimeout(r, 50)); // the warm-up runs here
      console.log('after the warm-up');
      parallelForSync(0, 10, () => {});`,
      { PARAFOR_WAIT_POLICY: 'lazy' },
    );
    expect(res.stdout.trim()).toBe('after the warm-up');
    expect(res.stderr).toContain('environment variable PARAFOR_WAIT_POLICY must be');
    expect(res.stderr.match(/PARAFOR_WAIT_POLICY/g)).toHaveLength(1);
  });

  test('the prestarted supervisor: none at import, started by the first team made, adopted by the first team that starts workers, never by the warm-up', () => {
    const code = `
      import fs from 'node:fs';
      import { Team } from 'parafor';
      import { hasPrestarted } from './dist/threads/prestart.js';
      const threads = () => fs.readdirSync('/proc/self/task').length;
      const atImport = threads();
      await new Promise((r) => setTimeout(r, 50));
      const before = hasPrestarted();
      const noneStarted = threads() === atImport;
      const t = new Team({ numThreads: 2 });
      const made = hasPrestarted();
      await new Promise((r) => setTimeout(r, 50)); // the warm-up runs here, on a team of its own
      const afterWarmUp = hasPrestarted();
      await t.start({ forAsync: true });
      const sum = await t.parallelReduce(0, 1000, (acc, i) => acc + i, 'sum', { serialBelowUs: 0 });
      console.log(noneStarted, before, made, afterWarmUp, hasPrestarted(), t.workersStarted, sum);
      await t.close();
    `;
    expect(runNode(code).stdout.trim()).toBe('true false true true false 2 499500');
    // PARAFOR_WARMUP=0: no prestarted supervisor; the team starts its own supervisor.
    expect(runNode(code, { PARAFOR_WARMUP: '0' }).stdout.trim()).toBe('true false false false false 2 499500');
  });

  test('with a supervisor to adopt, a cold synchronous call starts its workers before its first chunk; without, a tiny one starts none', () => {
    const code = `
      import { Team } from 'parafor';
      const t = new Team({ numThreads: 2 });
      const sum = t.parallelReduceRangeSync(0, 10, (acc, lo, hi) => acc + (hi - lo), 'sum', { serialBelowUs: 0 });
      console.log(sum, t.workersStarted);
      await t.close();
    `;
    expect(runNode(code).stdout.trim()).toBe('10 1');
    expect(runNode(code, { PARAFOR_WARMUP: '0' }).stdout.trim()).toBe('10 0');
  });

  test('an awaited async loop keeps a script alive until it resolves', () => {
    const res = runNode(`
      import { Team } from 'parafor';
      const t = new Team({ numThreads: 2 });
      await t.parallelForRange(0, 2, () => { const u = Date.now() + 100; while (Date.now() < u); }, { chunk: 1, serialBelowUs: 0 });
      console.log('done');
    `);
    expect(res.stdout.trim()).toBe('done');
    expect(res.status).toBe(0);
  });
});

describe('environment and introspection', () => {
  test('PARAFOR_NUM_THREADS, then OMP_NUM_THREADS, then the CPU count', () => {
    const code = `import { numThreads, cpuCount, Team } from 'parafor'; console.log(numThreads(), cpuCount(), new Team().numThreads);`;
    expect(runNode(code, { PARAFOR_NUM_THREADS: '3', OMP_NUM_THREADS: '5' }).stdout.trim()).toBe(`3 ${cpuCount()} 3`);
    expect(runNode(code, { PARAFOR_NUM_THREADS: '', OMP_NUM_THREADS: '5,2' }).stdout.trim()).toBe(`5 ${cpuCount()} 5`);
    expect(runNode(code, { PARAFOR_NUM_THREADS: '', OMP_NUM_THREADS: '' }).stdout.trim()).toBe(`${cpuCount()} ${cpuCount()} ${cpuCount()}`);
    const bad = runNode(code, { PARAFOR_NUM_THREADS: 'many' });
    expect(bad.status).not.toBe(0);
    expect(bad.stderr).toContain('environment variable PARAFOR_NUM_THREADS must be a positive integer of at most 512, got "many"');
  });

  test('PARAFOR_SCHEDULE / OMP_SCHEDULE and PARAFOR_WAIT_POLICY are read and checked', () => {
    const code = `
      import { Team, sharedArray } from 'parafor';
      const t = new Team({ numThreads: 2 });
      const owner = sharedArray(Int32Array, 8);
      t.parallelForSync(0, 8, (i, s, ctx) => { s.owner[i] = ctx.threadId; }, { shared: { owner }, serialBelowUs: 0 });
      console.log(Array.from(owner).join(''));`;
    // static with chunk 2: round-robin pairs.
    expect(runNode(code, { PARAFOR_SCHEDULE: 'static,2' }).stdout.trim()).toBe('00110011');
    expect(runNode(code, { PARAFOR_SCHEDULE: '', OMP_SCHEDULE: 'monotonic:static,1' }).stdout.trim()).toBe('01010101');
    expect(runNode(code, { PARAFOR_SCHEDULE: 'sometimes' }).stderr).toContain('environment variable PARAFOR_SCHEDULE must be one of static, dynamic, guided, auto, optionally followed by ",chunk", got "sometimes"');
    expect(runNode(code, { PARAFOR_WAIT_POLICY: 'passive' }).stdout.trim()).toBe('00001111');
    expect(runNode(code, { PARAFOR_WAIT_POLICY: 'lazy' }).stderr).toContain('environment variable PARAFOR_WAIT_POLICY must be \'active\' or \'passive\', got "lazy"');
  });

  test('a variable the runtime will not let parafor read counts as not set', () => {
    const g = globalThis as { Deno?: unknown };
    const env = Object.getOwnPropertyDescriptor(process, 'env')!;
    process.env.PARAFOR_SPEC_ENV = '5';
    try {
      expect(readEnv('PARAFOR_SPEC_ENV')).toBe('5');
      // Deno: a variable without env permission is not read (reading it would throw or prompt).
      for (const [state, want] of [['prompt', undefined], ['denied', undefined], ['granted', '5']] as const) {
        g.Deno = { permissions: { querySync: (d: { name: string; variable: string }) => ({ state: d.name === 'env' && d.variable === 'PARAFOR_SPEC_ENV' ? state : 'x' }) } };
        expect(readEnv('PARAFOR_SPEC_ENV')).toBe(want);
      }
      delete g.Deno;
      // A read that throws (Deno's NotCapable) is "not set", never an error.
      Object.defineProperty(process, 'env', { configurable: true, get: () => { throw new Error('NotCapable: Requires env access'); } });
      expect(readEnv('PARAFOR_SPEC_ENV')).toBeUndefined();
      expect(teamSettings({})).toMatchObject({ schedule: 'static', spinUs: teamSettings({}, () => undefined).spinUs });
    } finally {
      delete g.Deno;
      Object.defineProperty(process, 'env', env);
      delete process.env.PARAFOR_SPEC_ENV;
    }
  });

  test('an option overrides its environment variable, which is then not parsed', () => {
    const env: Record<string, string> = { PARAFOR_SCHEDULE: 'sometimes', OMP_WAIT_POLICY: 'lazy', PARAFOR_NUM_THREADS: 'many' };
    const s = teamSettings({ schedule: 'guided', chunk: 4, waitPolicy: 'passive', numThreads: 3 }, (name) => env[name]);
    expect([s.schedule, s.chunk, s.spinUs, s.numThreads]).toEqual(['guided', 4, 0, 3]);
    // A chunk alone takes the schedule (and not the chunk) from the environment.
    expect(teamSettings({ chunk: 4, numThreads: 1 }, (name) => ({ PARAFOR_SCHEDULE: 'dynamic,8' })[name])).toMatchObject({ schedule: 'dynamic', chunk: 4 });
    expect(() => teamSettings({ chunk: 4, numThreads: 1 }, (name) => ({ PARAFOR_SCHEDULE: 'sometimes' })[name])).toThrow('environment variable PARAFOR_SCHEDULE must be one of');
  });

  test('V8 and process-wide Node flags (refused for worker threads) do not stop a team from starting', () => {
    // `node --expose-gc --stack-size=...` is common in numeric code and benchmarks; Node
    // refuses such flags in a Worker's execArgv, so the team drops the ones it names.
    const code = `
      import { Team } from 'parafor';
      const t = new Team({ numThreads: 3 });
      await t.start();
      const sum = t.parallelReduceSync(0, 100000, (a, i) => a + i, 'sum', { serialBelowUs: 0 });
      console.log(sum, t.workersStarted, typeof gc);
      await t.close();`;
    const res = runNode(code, {}, 30_000, ['--expose-gc', '--stack-size=2000', '--max-semi-space-size=32', '--no-warnings']);
    expect(res.stderr).toBe('');
    expect(res.stdout.trim()).toBe('4999950000 2 function');
  });

  test('numThreads() reports the default team size; inParallel() is false outside bodies', () => {
    expect(numThreads()).toBe(getDefaultTeam().numThreads);
    expect(inParallel()).toBe(false);
  });
});

describe('module bodies', () => {
  test('a named export that imports other code runs on every thread', async () => {
    const team = new Team({ numThreads: 3 });
    const out = sharedArray(Int32Array, 300);
    const body = moduleBody(new URL('./fixtures/kernels.js', import.meta.url), 'hashByte');
    await team.parallelFor(0, 300, body, { shared: { out }, ...NO_FALLBACK });
    const { createHash } = await import('node:crypto');
    const want = Array.from({ length: 300 }, (_, i) => createHash('sha256').update(String(i)).digest()[0]);
    expect(Array.from(out)).toEqual(want);
    // Sync calls work too, once the calling thread has the module (it loads in the background).
    out.fill(0);
    team.parallelForSync(0, 300, body, { shared: { out }, ...NO_FALLBACK });
    expect(Array.from(out)).toEqual(want);
    await team.close();
  });

  test('`if: false` and one-thread calls run as one thread while the module is still loading on the calling thread', async () => {
    const url = new URL('./fixtures/kernels.js', import.meta.url);
    const threads = sharedArray(Int32Array, 3000);
    const ids = sharedArray(Int32Array, 3000);
    // Synchronous calls in a row: the module has no turn of the event loop to load here, so
    // a worker runs the loop, as one thread. (A one-slot region once had no worker to claim
    // it and hung: the timeout turns such a hang into a failure.)
    const cases: [number, object][] = [
      [3, { if: false }],
      [3, { numThreads: 1 }],
      [1, {}],
    ];
    for (const [teamThreads, opts] of cases) {
      const team = new Team({ numThreads: teamThreads });
      const body = moduleBody(url, 'whoRan');
      for (let k = 0; k < 3; k++) {
        threads.fill(0);
        team.parallelForSync(0, 3000, body, { shared: { threads, ids }, timeout: 10_000, ...opts });
        expect([teamThreads, opts, new Set(threads), new Set(ids)]).toEqual([teamThreads, opts, new Set([1]), new Set([0])]);
      }
      await team.close();
    }
  });

  test('a missing export or module fails with an error that names it', async () => {
    const team = new Team({ numThreads: 2 });
    const url = new URL('./fixtures/kernels.js', import.meta.url);
    await expect(team.parallelFor(0, 10, moduleBody(url, 'nope'), NO_FALLBACK)).rejects.toThrow(
      `module body ${url.href} has no such export named "nope"; it must export a function`,
    );
    await expect(team.parallelFor(0, 10, moduleBody(url, 'notAFunction'), NO_FALLBACK)).rejects.toThrow('exports a number named "notAFunction"');
    await expect(team.parallelFor(0, 10, moduleBody(new URL('./fixtures/missing.js', import.meta.url), 'x'), NO_FALLBACK)).rejects.toThrow(/Cannot find module|ERR_MODULE_NOT_FOUND/);
    expect(team.parallelReduceSync(0, 10, (a: number, i) => a + i, 'sum', NO_FALLBACK)).toBe(45);
    await team.close();
  });
});
