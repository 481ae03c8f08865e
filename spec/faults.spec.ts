// Faults: cancellation, timeouts, workers that die. Every call rejects promptly, never
// hangs, and the team works afterwards.
import { Team, sharedArray, moduleBody } from 'parafor';
import { runNode } from './helpers.js';

const NO_FALLBACK = { serialBelowUs: 0 };

async function usable(team: Team): Promise<void> {
  expect(team.parallelReduceSync(0, 1000, (a: number, i) => a + i, 'sum', NO_FALLBACK)).toBe(499500);
  expect(await team.parallelReduce(0, 1000, (a: number, i) => a + i, 'sum', NO_FALLBACK)).toBe(499500);
}


// The cancellation tests run on warm teams (started, and a call made), so that the bodies
// demonstrably run before the cancel: each thread counts its iterations in `count`
// (count[ctx.threadId]), and the cancel comes only once every thread has counted one. A
// call that stops when cancelled keeps its workers: their stamps (workerStamps) are the
// same before and after, and it settles well within the grace period after which stuck
// workers would be terminated (TIMEOUT_GRACE_MS, 500 ms).

/** The most a cancelled call that stops may take to settle after the cancel, on a loaded machine. */
const SETTLE_MS = 450;

/**
 * Each worker's identity: a random stamp that its global object keeps from the first region
 * that asks (a replaced worker has a new global object, so a new stamp). One per thread of
 * an asynchronous region of `p` threads (every thread a worker, each holding one slot: the
 * barrier keeps any of them from taking a second), sorted.
 */
async function workerStamps(team: Team, p: number): Promise<number[]> {
  const ids = sharedArray(Int32Array, p);
  await team.parallel((s, ctx) => {
    const g = globalThis as { paraforSpecStamp?: number };
    s.ids[ctx.threadId] = g.paraforSpecStamp ??= 1 + Math.floor(Math.random() * 2 ** 30);
    ctx.barrier();
  }, { shared: { ids } });
  const stamps = [...ids].sort((a, b) => a - b);
  for (const x of stamps) expect(x).toBeGreaterThan(0);
  expect(new Set(stamps).size).toBe(p);
  return stamps;
}

/** A started team of `p` threads that has run a call, and its workers' stamps. */
async function warmTeam(p: number): Promise<{ team: Team; stamps: number[] }> {
  const team = new Team({ numThreads: p });
  await team.start({ forAsync: true });
  await usable(team);
  return { team, stamps: await workerStamps(team, p) };
}

/**
 * Aborts `ac` with `reason` once count[0 .. p) are all > 0 (every thread runs the body), or
 * after 10 s (the test then fails on the counts). Resolves to the time of the abort.
 */
function abortOnceRunning(ac: AbortController, reason: Error, count: Int32Array, p: number): Promise<number> {
  const giveUp = performance.now() + 10_000;
  return new Promise((resolve) => {
    const poll = setInterval(() => {
      let running = true;
      for (let k = 0; k < p; k++) if (Atomics.load(count, k) === 0) running = false;
      if (!running && performance.now() < giveUp) return;
      clearInterval(poll);
      ac.abort(reason);
      resolve(performance.now());
    }, 1);
  });
}

/** What a cancelled call settled with, and when. */
async function settle(call: Promise<unknown>): Promise<{ err: Error & { terminated?: boolean }; at: number }> {
  const err = await call.then(
    () => new Error('the call resolved') as Error & { terminated?: boolean },
    (e: unknown) => e as Error & { terminated?: boolean },
  );
  return { err, at: performance.now() };
}

/** Every one of count[0 .. p) is > 0: every thread ran the body. */
function everyThreadRan(count: Int32Array, p: number): void {
  for (let k = 0; k < p; k++) expect([k, Atomics.load(count, k) > 0]).toEqual([k, true]);
}

describe('cancellation', () => {
  test('an AbortSignal stops a running dynamic loop at the next chunk: workers stay, the call settles at once', async () => {
    const { team, stamps } = await warmTeam(2);
    const count = sharedArray(Int32Array, 2);
    const ac = new AbortController();
    const reason = new Error('user gave up');
    const call = team.parallelFor(0, 1e9, (i, s, ctx) => void Atomics.add(s.count, ctx.threadId, 1), {
      shared: { count },
      signal: ac.signal,
      schedule: 'dynamic',
      chunk: 10_000,
      ...NO_FALLBACK,
    });
    const aborted = abortOnceRunning(ac, reason, count, 2);
    const { err, at } = await settle(call);
    expect(err).toBe(reason);
    expect(err.terminated).toBeUndefined();
    expect(at - (await aborted)).toBeLessThan(SETTLE_MS);
    everyThreadRan(count, 2);
    expect(count[0]! + count[1]!).toBeLessThan(1e9);
    expect(await workerStamps(team, 2)).toEqual(stamps);
    await usable(team);
    await team.close();
  });

  test('an already-aborted signal rejects (async) or throws (sync) before any work', async () => {
    const team = new Team({ numThreads: 2 });
    const ac = new AbortController();
    ac.abort(new Error('too late'));
    const ran = sharedArray(Int32Array, 1);
    await expect(team.parallelFor(0, 10, (i, s) => void (s.ran[0] = 1), { shared: { ran }, signal: ac.signal })).rejects.toThrow('too late');
    expect(() => team.parallelForSync(0, 10, (i, s) => void (s.ran[0] = 1), { shared: { ran }, signal: ac.signal })).toThrow('too late');
    expect(ran[0]).toBe(0);
    // An empty range too: the signal says the caller gave up, whatever the loop.
    expect(() => team.parallelReduceSync(5, 5, (a: number) => a, 'sum', { signal: ac.signal })).toThrow('too late');
    await expect(team.parallelReduce(5, 5, (a: number) => a, 'sum', { signal: ac.signal })).rejects.toThrow('too late');
    await team.close();
  });

  test('long bodies that poll ctx.cancelled return when aborted: no termination, the call settles at once', async () => {
    const { team, stamps } = await warmTeam(2);
    const count = sharedArray(Int32Array, 2);
    const ac = new AbortController();
    const reason = new Error('cancel range');
    const call = team.parallelForRange(0, 2, (lo, hi, s, ctx) => {
      const until = Date.now() + 20_000;
      while (!ctx.cancelled && Date.now() < until) Atomics.add(s.count, ctx.threadId, 1);
    }, { shared: { count }, signal: ac.signal, chunk: 1, ...NO_FALLBACK });
    const aborted = abortOnceRunning(ac, reason, count, 2);
    const { err, at } = await settle(call);
    expect(err).toBe(reason);
    expect(err.terminated).toBeUndefined();
    expect(at - (await aborted)).toBeLessThan(SETTLE_MS);
    everyThreadRan(count, 2);
    expect(await workerStamps(team, 2)).toEqual(stamps);
    await usable(team);
    await team.close();
  });

  test('a cancelled region releases threads waiting at its barrier: no termination, the call settles at once', async () => {
    const { team, stamps } = await warmTeam(3);
    const count = sharedArray(Int32Array, 3);
    const ac = new AbortController();
    const reason = new Error('stop region');
    const call = team.parallel((s, ctx) => {
      if (ctx.threadId === 0) {
        while (!ctx.cancelled) Atomics.add(s.count, 0, 1);
        return;
      }
      Atomics.add(s.count, ctx.threadId, 1);
      ctx.barrier();
    }, { shared: { count }, signal: ac.signal });
    const aborted = abortOnceRunning(ac, reason, count, 3);
    const { err, at } = await settle(call);
    expect(err).toBe(reason);
    expect(err.terminated).toBeUndefined();
    expect(at - (await aborted)).toBeLessThan(SETTLE_MS);
    everyThreadRan(count, 3);
    expect(await workerStamps(team, 3)).toEqual(stamps);
    await usable(team);
    await team.close();
  });

  test('bad signal and timeout options', () => {
    const team = new Team({ numThreads: 2 });
    expect(() => team.parallelForSync(0, 1, () => {}, { signal: {} as never })).toThrow('`signal` must be an AbortSignal, got an object');
    expect(() => team.parallelForSync(0, 1, () => {}, { timeout: 0 })).toThrow('`timeout` must be a finite number of milliseconds > 0, got 0');
    expect(() => team.parallelForSync(0, 1, () => {}, { timeout: '5' as never })).toThrow(TypeError);
    void team.close();
  });
});

describe('timeouts', () => {
  test('a loop that stops when cancelled rejects with a TimeoutError; workers stay', async () => {
    const { team, stamps } = await warmTeam(2);
    const count = sharedArray(Int32Array, 2);
    const t0 = performance.now();
    const { err, at } = await settle(
      team.parallelFor(0, 1e9, (i, s, ctx) => void Atomics.add(s.count, ctx.threadId, 1), {
        shared: { count },
        timeout: 100,
        schedule: 'dynamic',
        chunk: 100_000,
        ...NO_FALLBACK,
      }),
    );
    expect(err.name).toBe('TimeoutError');
    expect(err.message).toBe('the parafor call did not finish within 100 ms and was cancelled');
    expect(err.terminated).toBe(false);
    expect(at - t0).toBeLessThan(100 + SETTLE_MS);
    everyThreadRan(count, 2);
    expect(count[0]! + count[1]!).toBeLessThan(1e9);
    expect(await workerStamps(team, 2)).toEqual(stamps);
    await usable(team);
    await team.close();
  });

  test('a body that polls ctx.cancelled returns at the deadline: no termination, sync and async', async () => {
    const { team, stamps } = await warmTeam(2);
    const poll = (lo: number, hi: number, s: { count: Int32Array }, ctx: { cancelled: boolean; threadId: number }) => {
      const until = Date.now() + 20_000;
      while (!ctx.cancelled && Date.now() < until) Atomics.add(s.count, ctx.threadId, 1);
    };
    for (const sync of [true, false]) {
      const count = sharedArray(Int32Array, 2);
      const options = { shared: { count }, timeout: 100, chunk: 1, ...NO_FALLBACK };
      const t0 = performance.now();
      const { err, at } = await settle(
        sync ? new Promise<void>((resolve) => resolve(team.parallelForRangeSync(0, 2, poll, options))) : team.parallelForRange(0, 2, poll, options),
      );
      expect([sync, err.message]).toEqual([sync, 'the parafor call did not finish within 100 ms and was cancelled']);
      expect(err.terminated).toBe(false);
      expect(at - t0).toBeLessThan(100 + SETTLE_MS);
      // A call with a timeout runs no body on the calling thread: both slots ran on workers.
      everyThreadRan(count, 2);
      expect(await workerStamps(team, 2)).toEqual(stamps);
      await usable(team);
    }
    await team.close();
  });

  test('a body that never returns: its workers are terminated and replaced after the grace period', async () => {
    const { team, stamps } = await warmTeam(2);
    const err = await team
      .parallelForRange(0, 2, () => {
        for (;;);
      }, { timeout: 50, chunk: 1, ...NO_FALLBACK })
      .then(() => undefined, (e: unknown) => e as Error & { terminated: boolean });
    expect(err!.name).toBe('TimeoutError');
    expect(err!.message).toBe(
      'the parafor call did not finish within 50 ms and did not stop when cancelled; its workers were terminated and replaced',
    );
    expect(err!.terminated).toBe(true);
    // The stamps see the replacement (the check of the calls above that keep their workers).
    const after = await workerStamps(team, 2);
    expect(after.filter((x) => stamps.includes(x))).toEqual([]);
    await usable(team);
    await team.close();
  });

  test('sync: a slow loop is cancelled at the deadline; workers stay', async () => {
    const { team, stamps } = await warmTeam(2);
    const count = sharedArray(Int32Array, 2);
    const t0 = performance.now();
    expect(() =>
      team.parallelForSync(0, 100_000, (i, s, ctx) => {
        Atomics.add(s.count, ctx.threadId, 1);
        const until = performance.now() + 1;
        while (performance.now() < until);
      }, { shared: { count }, timeout: 100, schedule: 'dynamic', ...NO_FALLBACK }),
    ).toThrow('the parafor call did not finish within 100 ms and was cancelled');
    expect(performance.now() - t0).toBeLessThan(100 + SETTLE_MS);
    everyThreadRan(count, 2);
    expect(count[0]! + count[1]!).toBeLessThan(100_000);
    expect(await workerStamps(team, 2)).toEqual(stamps);
    await usable(team);
    await team.close();
  });
});

describe('timeouts in static per-index blocks', () => {
  test('a slow per-index body on the static schedule stops near the deadline, first call or not', async () => {
    // Static blocks run in timed pieces (about 0.5 ms each, one iteration for a slow body):
    // with fixed pieces of 1024 iterations this call ran 3.5 s past a 100 ms timeout.
    const team = new Team({ numThreads: 2 });
    await team.start();
    const slow = () => {
      const until = performance.now() + 5;
      while (performance.now() < until);
    };
    for (let k = 0; k < 2; k++) {
      const t0 = Date.now();
      expect(() => team.parallelForSync(0, 1000, slow, { timeout: 100 })).toThrow('did not finish within 100 ms and was cancelled');
      expect(Date.now() - t0).toBeLessThan(1000);
      const t1 = Date.now();
      await expect(team.parallelFor(0, 1000, slow, { timeout: 100 })).rejects.toThrow('did not finish within 100 ms and was cancelled');
      expect(Date.now() - t1).toBeLessThan(1000);
    }
    await usable(team);
    await team.close();
  });

  test('a body that turns slow part way stops within a piece of its cheap iterations', async () => {
    // Cheap indices let the pieces grow; from index 300 000 each index takes 0.2 ms. A piece
    // has at most 1024 iterations, so a stop waits for about 0.2 s at most.
    const team = new Team({ numThreads: 2 });
    await team.start();
    const body = (i: number, s: { out: Float64Array }) => {
      if (i >= 300_000) {
        const until = performance.now() + 0.2;
        while (performance.now() < until);
      }
      s.out[i & 1023]! += 1;
    };
    const out = sharedArray(Float64Array, 1024);
    for (const opts of [{}, { if: false }]) {
      const t0 = Date.now();
      expect(() => team.parallelForSync(0, 2_000_000, body, { shared: { out }, timeout: 100, ...opts })).toThrow('did not finish within 100 ms');
      expect(Date.now() - t0).toBeLessThan(1500);
    }
    await usable(team);
    await team.close();
  });
});

describe('timeouts on the serial path', () => {
  test('`if: false`, one thread and the serial fallback are cancelled at the deadline too', async () => {
    const team = new Team({ numThreads: 2 });
    const slow = (_i: number) => {
      const until = performance.now() + 1;
      while (performance.now() < until);
    };
    for (const opts of [{ if: false }, { numThreads: 1 }, { serialBelowUs: 1e9 }]) {
      if ('serialBelowUs' in opts) team.parallelForSync(0, 2, slow, opts); // the fallback learns the cost
      const t0 = Date.now();
      expect(() => team.parallelForSync(0, 5000, slow, { ...opts, timeout: 50, chunk: 1 })).toThrow(
        'the parafor call did not finish within 50 ms and was cancelled',
      );
      // Pieces of one iteration at first (the cost is unknown), of about 0.5 ms after.
      expect(Date.now() - t0).toBeLessThan(1000);
      // A reduction stops too, between its thread blocks as between chunks.
      const slowFold = (a: number) => {
        const until = performance.now() + 1;
        while (performance.now() < until);
        return a + 1;
      };
      expect(() => team.parallelReduceSync(0, 5000, slowFold, 'sum', { ...opts, timeout: 50, chunk: 1 })).toThrow('did not finish within 50 ms');
      // The next serial call, without a timeout (the short form), is not cancelled.
      const cancelled = (a: number, _i: number, _s: unknown, ctx: { cancelled: boolean }) => a + (ctx.cancelled ? 1 : 0);
      expect(team.parallelReduceSync(0, 10, cancelled, 'sum', { if: false })).toBe(0);
      expect(team.parallelForRangeSync(0, 10, (_lo, _hi, _s, ctx) => {
        if (ctx.cancelled) throw new Error('cancelled');
      }, { if: false })).toBeUndefined();
    }
    await usable(team);
    await team.close();
  });
});

describe('workers that die', () => {
  test('a body that calls process.exit(): sync and async calls reject, the worker is replaced', async () => {
    const team = new Team({ numThreads: 3 });
    await team.start({ forAsync: true });
    const exit = moduleBody(new URL('./fixtures/kernels.js', import.meta.url), 'exitOnWorker');
    expect(() => team.parallelForRangeSync(0, 3, exit, { shared: { code: 7 }, chunk: 1, ...NO_FALLBACK })).toThrow(
      /a loop body called process.exit\(7\) on worker \d+; the worker is replaced/,
    );
    await usable(team);
    await expect(team.parallelForRange(0, 3, exit, { shared: { code: 3 }, chunk: 1, ...NO_FALLBACK })).rejects.toThrow(/process.exit\(3\)/);
    await usable(team);
    await team.close();
  });

  test('process.exit() in a body on the calling thread rejects as on a worker, and the program goes on', () => {
    // In a child process: an exit that got through would end the program running the test.
    const res = runNode(
      `import { Team, sharedArray, moduleBody } from 'parafor';
const team = new Team({ numThreads: 2 });
await team.start();
const out = [];
const sum = () => team.parallelReduceSync(0, 1000, (a, i) => a + i, 'sum', { serialBelowUs: 0 });
const outcome = (f) => { try { f(); return 'resolved'; } catch (e) { return e.name + ': ' + e.message; } };
const exitAll = (i) => { process.exit(3); };
// A serial run: one thread, and if: false.
out.push(outcome(() => team.parallelForSync(0, 8, exitAll, { numThreads: 1 })));
out.push(outcome(() => team.parallelForSync(0, 8, exitAll, { if: false })));
out.push('next ' + sum());
// A forced parallel call whose every index exits, on the calling thread or a worker.
out.push(outcome(() => team.parallelForSync(0, 8, exitAll, { serialBelowUs: 0 })).replace(/worker \\d+; the worker is replaced/, 'a worker'));
out.push('next ' + sum());
// A forced parallel call whose indices exit on the calling thread only (the workers' take 20 ms).
globalThis.onCaller = true;
const exitHere = (lo, hi) => {
  if (globalThis.onCaller) process.exit(4);
  const until = Date.now() + 20;
  while (Date.now() < until);
};
out.push(outcome(() => team.parallelForRangeSync(0, 2, exitHere, { chunk: 1, serialBelowUs: 0 })));
out.push('next ' + sum());
// An asynchronous call that runs here (the serial fallback, once the body's cost is known).
const maybeExit = (i, s) => { if (s.exit) process.exit(5); };
team.parallelForSync(0, 4, maybeExit, { shared: { exit: 0 }, if: false });
out.push(await team.parallelFor(0, 4, maybeExit, { shared: { exit: 1 }, serialBelowUs: 1e9 }).then(() => 'resolved', (e) => e.name + ': ' + e.message));
out.push('next ' + (await team.parallelReduce(0, 1000, (a, i) => a + i, 'sum', { serialBelowUs: 0 })));
// A call nested in a body here (a module body: a nested call runs its body as written).
const url = new URL('./build/spec/fixtures/kernels.js', 'file://' + process.cwd() + '/').href;
await import(url); // the calling thread's import of the body is then ready after one call
const nested = moduleBody(url, 'exitNested');
await team.parallelForRange(0, 1, nested, { shared: { code: 0 } });
out.push(outcome(() => team.parallelForRangeSync(0, 1, nested, { shared: { code: 8 }, if: false })));
out.push('next ' + sum());
// A body that catches the throw: its call fails all the same.
out.push(outcome(() => team.parallelForSync(0, 8, (i) => { try { process.exit(6); } catch {} }, { if: false })));
out.push(outcome(() => team.parallelReduceSync(0, 8, (a, i) => { try { process.exit(7); } catch {} return a + i; }, 'sum', { if: false })));
out.push('next ' + sum());
await team.close();
console.log(JSON.stringify(out));
// Outside bodies, process.exit() ends the program as ever.
process.exit(9);`,
      {},
      60_000,
    );
    expect(res.stderr).toBe('');
    expect(res.status).toBe(9);
    const here = (code: number) => `WorkerDiedError: a loop body called process.exit(${code}) on the calling thread; the program goes on`;
    const out = JSON.parse(res.stdout) as string[];
    expect(out.slice(0, 5)).toEqual([here(3), here(3), 'next 499500', expect.stringMatching(/^WorkerDiedError: a loop body called process.exit\(3\) on (the calling thread; the program goes on|a worker)$/), 'next 499500']);
    expect(out.slice(5)).toEqual([here(4), 'next 499500', here(5), 'next 499500', here(8), 'next 499500', here(6), here(7), 'next 499500']);
  });

  test('a worker that runs out of memory under resourceLimits: the call rejects, the team recovers', async () => {
    const team = new Team({ numThreads: 2, resourceLimits: { maxOldGenerationSizeMb: 24, maxYoungGenerationSizeMb: 8 } });
    await team.start({ forAsync: true });
    const err = await team
      .parallelForRange(0, 2, () => {
        const hog: number[][] = [];
        for (;;) hog.push(new Array(100_000).fill(1.5));
      }, { chunk: 1, ...NO_FALLBACK })
      .then(() => undefined, (e: unknown) => e as Error);
    expect(err!.name).toBe('WorkerDiedError');
    expect(err!.message).toMatch(/^parafor worker \d died while a loop was running: .*memory/);
    await usable(team);
    await team.close();
  });

  test('the same in a synchronous call: the supervisor wakes the blocked caller', async () => {
    const team = new Team({ numThreads: 2, resourceLimits: { maxOldGenerationSizeMb: 24, maxYoungGenerationSizeMb: 8 } });
    await team.start();
    const hog = moduleBody(new URL('./fixtures/kernels.js', import.meta.url), 'hogOnWorker');
    const t0 = Date.now();
    expect(() => team.parallelForRangeSync(0, 2, hog, { chunk: 1, ...NO_FALLBACK })).toThrow(
      /^parafor worker \d died while a loop was running: .*memory/,
    );
    expect(Date.now() - t0).toBeLessThan(20_000);
    await usable(team);
    await team.close();
  });
});
