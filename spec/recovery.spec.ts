// What the next call sees after a fault: after a worker dies, the team's following calls
// return exact results and never hang; a failing call nobody awaits is reported; plain
// values in `shared` are read-only on every thread. Each case repeats, because the races
// these guard against showed up in some runs only.
import { Team, sharedArray } from 'parafor';
import { runNode } from './helpers.js';

const NO_FALLBACK = { serialBelowUs: 0 };
const ROUNDS = 10;

/** A failing async loop whose body calls process.exit(3) on the thread that runs `at`. */
function dieAt(team: Team, at: number): Promise<void> {
  return team.parallelFor(0, 100, (i, s) => {
    if (i === s.at) process.exit(3);
  }, { shared: { at }, ...NO_FALLBACK });
}

describe('after a worker dies, the next call', () => {
  test('a process.exit() on one thread, then a reduction: exact', async () => {
    for (let round = 0; round < ROUNDS; round++) {
      const team = new Team({ numThreads: 2 });
      await expect(team.parallelFor(0, 100, (i, s, ctx) => {
        if (ctx.threadId === 1) process.exit(3);
      }, NO_FALLBACK)).rejects.toThrow('process.exit(3)');
      expect(await team.parallelReduce(0, 1000, (a: number, i) => a + i, 'sum')).toBe(499500);
      expect(team.parallelReduceSync(0, 1000, (a: number, i) => a + i, 'sum', NO_FALLBACK)).toBe(499500);
      await team.close();
    }
  });

  test('two deaths in a row, then a small reduction: exact, every slot run once', async () => {
    for (let round = 0; round < ROUNDS; round++) {
      const team = new Team({ numThreads: 2 });
      await expect(dieAt(team, 99)).rejects.toThrow('process.exit(3)');
      await expect(dieAt(team, 0)).rejects.toThrow('process.exit(3)');
      const hits = sharedArray(Int32Array, 10);
      expect(await team.parallelReduce(0, 10, (a: number, i, s) => (Atomics.add(s.hits, i, 1), a + i), 'sum', { shared: { hits }, ...NO_FALLBACK })).toBe(45);
      expect(Array.from(hits)).toEqual(new Array(10).fill(1));
      await team.close();
    }
  });

  test('a death, then asynchronous parallel regions with barriers: every thread arrives', async () => {
    for (let round = 0; round < ROUNDS; round++) {
      const team = new Team({ numThreads: 3 });
      await expect(dieAt(team, 99)).rejects.toThrow('process.exit(3)');
      const hits = sharedArray(Int32Array, 1);
      await team.parallel((s, ctx) => {
        ctx.barrier();
        Atomics.add(s.hits, 0, 1);
        ctx.barrier();
      }, { shared: { hits } });
      expect(hits[0]).toBe(3);
      await team.close();
    }
  });

  test('a death, then a synchronous parallel region: every thread arrives (in a child process: it used to hang)', () => {
    const code = `
      import { Team, sharedArray } from 'parafor';
      let bad = 0;
      for (let round = 0; round < ${ROUNDS}; round++) {
        const team = new Team({ numThreads: 3 });
        await team.parallelFor(0, 100, (i) => { if (i === 99) process.exit(3); }, { serialBelowUs: 0 }).catch(() => {});
        const hits = sharedArray(Int32Array, 1);
        team.parallelSync((s, ctx) => { ctx.barrier(); Atomics.add(s.hits, 0, 1); ctx.barrier(); }, { shared: { hits } });
        if (hits[0] !== 3) bad++;
        await team.close();
      }
      console.log('bad', bad);
    `;
    const res = runNode(code, {}, 60_000);
    expect(res.signal).toBeNull();
    expect(res.stdout.trim()).toBe('bad 0');
    expect(res.status).toBe(0);
  });

  test('a worker dead of out-of-memory inside a parallel region: the region rejects, its barrier releases, the next region is whole', async () => {
    const team = new Team({ numThreads: 2, resourceLimits: { maxOldGenerationSizeMb: 16, maxYoungGenerationSizeMb: 4 } });
    for (let round = 0; round < 3; round++) {
      await expect(team.parallel((s, ctx) => {
        if (ctx.threadId === 1) {
          const hog: number[][] = [];
          for (;;) hog.push(new Array(1e5).fill(ctx.threadId + 0.5));
        }
        ctx.barrier();
      })).rejects.toThrow(/WorkerDied|died/);
      const hits = sharedArray(Int32Array, 1);
      await team.parallel((s, ctx) => {
        ctx.barrier();
        Atomics.add(s.hits, 0, 1);
      }, { shared: { hits } });
      expect(hits[0]).toBe(2);
    }
    await team.close();
  });

  test('a failed call whose threads were terminated leaves no thread writing into shared memory', async () => {
    // The endless body keeps writing after the cancel; once the call rejects (its workers
    // terminated), nothing may change the array any more.
    const team = new Team({ numThreads: 2 });
    await team.start({ forAsync: true });
    const word = sharedArray(Int32Array, 1);
    await expect(team.parallelFor(0, 2, (i, s) => {
      for (;;) Atomics.add(s.word, 0, 1);
    }, { shared: { word }, timeout: 50, ...NO_FALLBACK })).rejects.toThrow('terminated');
    const after = Atomics.load(word, 0);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(Atomics.load(word, 0)).toBe(after);
    expect(await team.parallelReduce(0, 1000, (a: number, i) => a + i, 'sum', NO_FALLBACK)).toBe(499500);
    await team.close();
  });
});

describe('a start() outside the queue beside a call whose worker dies', () => {
  test('the failing call rejects, the start resolves, queued calls stay exact (the text loader starts the team this way)', async () => {
    for (let round = 0; round < ROUNDS; round++) {
      const team = new Team({ numThreads: 3 });
      const started = team.start({ forAsync: true });
      const dying = team.parallelReduce(0, 200, (a: number, i) => {
        if (i === 150) process.exit(7);
        return a + i;
      }, 'sum', { serialBelowUs: 0 });
      const after = team.parallelReduce(0, 1000, (a: number, i) => a + i, 'sum', { serialBelowUs: 0 });
      const again = team.start({ forAsync: true });
      await expect(dying).rejects.toThrow('process.exit(7)');
      expect(await after).toBe(499500);
      await started;
      await again;
      await team.close();
    }
  });
});

describe('a synchronous call with a timeout', () => {
  test('settles at its deadline plus the grace period even when the body never returns', async () => {
    const team = new Team({ numThreads: 2 });
    await team.start({ forAsync: true });
    const t0 = performance.now();
    expect(() => team.parallelForSync(0, 4, () => {
      for (;;);
    }, { timeout: 100, ...NO_FALLBACK })).toThrow('terminated');
    expect(performance.now() - t0).toBeLessThan(100 + 500 + 2000);
    expect(team.parallelReduceSync(0, 1000, (a: number, i) => a + i, 'sum', NO_FALLBACK)).toBe(499500);
    await team.close();
  });
});

describe('a synchronous parallel region with a timeout runs on workers', () => {
  test.each([
    ['one thread', { numThreads: 1 }],
    ['`if: false`', { if: false }],
    ['the whole team', {}],
  ])('%s: every slot runs, once', (_, extra) => {
    const team = new Team({ numThreads: 2 });
    const hits = sharedArray(Int32Array, 2);
    team.parallelSync((s, ctx) => {
      Atomics.add(s.hits, ctx.threadId, 1);
    }, { shared: { hits }, timeout: 60_000, ...extra });
    const p = 'numThreads' in extra || 'if' in extra ? 1 : 2;
    expect(Array.from(hits)).toEqual(p === 1 ? [1, 0] : [1, 1]);
    return team.close();
  });
});

describe('an AbortSignal on a body that never returns', () => {
  test('rejects with the reason after the grace period, and the team recovers', async () => {
    const team = new Team({ numThreads: 2 });
    const ac = new AbortController();
    setTimeout(() => ac.abort(new Error('stop now')), 50);
    await expect(team.parallelFor(0, 4, () => {
      for (;;);
    }, { signal: ac.signal, ...NO_FALLBACK })).rejects.toThrow('stop now');
    expect(await team.parallelReduce(0, 1000, (a: number, i) => a + i, 'sum', NO_FALLBACK)).toBe(499500);
    await team.close();
  });
});

describe('a failing call that nobody awaits', () => {
  const forms: Record<string, string> = {
    parallelFor: `team.parallelFor(0, 100, () => { throw new Error('lost?'); }, { serialBelowUs: 0 });`,
    parallelReduce: `team.parallelReduce(0, 100, () => { throw new Error('lost?'); }, 'sum', { serialBelowUs: 0 });`,
    parallelMap: `team.parallelMap([1, 2, 3], () => { throw new Error('lost?'); });`,
    parallel: `team.parallel(() => { throw new Error('lost?'); });`,
    sections: `team.sections([() => 1, () => { throw new Error('lost?'); }]);`,
  };
  test.each(Object.keys(forms))('%s: reported as an unhandled rejection, the process fails', (form) => {
    const code = `
      import { Team } from 'parafor';
      const team = new Team({ numThreads: 2 });
      ${forms[form]}
      setTimeout(() => { console.log('still running'); team.close(); }, 3000);
    `;
    const res = runNode(code, {}, 30_000);
    expect(res.stderr).toContain('lost?');
    expect(res.status).not.toBe(0);
    expect(res.stdout).not.toContain('still running');
  });

  test('an awaited failing call is not reported twice, and later calls run', () => {
    const code = `
      import { Team } from 'parafor';
      const team = new Team({ numThreads: 2 });
      process.on('unhandledRejection', (e) => { console.log('unhandled', e.message); process.exitCode = 1; });
      await team.parallelFor(0, 100, () => { throw new Error('seen'); }, { serialBelowUs: 0 }).catch((e) => console.log('caught', e.message));
      console.log('sum', await team.parallelReduce(0, 10, (a, i) => a + i, 'sum', { serialBelowUs: 0 }));
      await team.close();
    `;
    const res = runNode(code, {}, 30_000);
    expect(res.stdout.trim().split('\n')).toEqual(['caught seen', 'sum 45']);
    expect(res.status).toBe(0);
  });
});

describe('plain values in shared', () => {
  const teamSizes = [1, 2, 3];
  test.each(teamSizes)('writes to a plain array fail on every thread, sync and async (%i threads); the original is untouched', async (numThreads) => {
    const team = new Team({ numThreads });
    const plain = new Array(1000).fill(0);
    expect(() => team.parallelForSync(0, 1000, (i, s) => {
      // @ts-expect-error plain arrays in `shared` are read-only in bodies
      s.plain[i] = 1;
    }, { shared: { plain }, ...NO_FALLBACK })).toThrow(TypeError);
    await expect(team.parallelFor(0, 1000, (i, s) => {
      // @ts-expect-error plain arrays in `shared` are read-only in bodies
      s.plain[i] = 1;
    }, { shared: { plain }, ...NO_FALLBACK })).rejects.toThrow(TypeError);
    // The serial fallback and `if: false` too.
    expect(() => team.parallelForSync(0, 10, (i, s) => {
      // @ts-expect-error plain arrays in `shared` are read-only in bodies
      s.plain[i] = 1;
    }, { shared: { plain }, if: false })).toThrow(TypeError);
    expect(plain.every((x) => x === 0)).toBe(true);
    await team.close();
  });

  test('nested objects are frozen too; typed arrays inside them stay writable shared memory', async () => {
    const team = new Team({ numThreads: 2 });
    const out = sharedArray(Float64Array, 8);
    const shared = { cfg: { scale: 2, names: ['a', 'b'] }, out };
    team.parallelForSync(0, 8, (i, s) => {
      s.out[i] = i * s.cfg.scale + s.cfg.names.length;
    }, { shared, ...NO_FALLBACK });
    expect(Array.from(out)).toEqual([2, 4, 6, 8, 10, 12, 14, 16]);
    const frozen = await team.parallelReduce(0, 4, (a: number, i, s) => a + (Object.isFrozen(s.cfg) && Object.isFrozen(s.cfg.names) ? 1 : 0), 'sum', { shared, ...NO_FALLBACK });
    expect(frozen).toBe(4);
    expect(() => team.parallelForSync(0, 4, (i, s) => {
      // @ts-expect-error plain objects in `shared` are read-only in bodies
      s.cfg.scale = 3;
    }, { shared, ...NO_FALLBACK })).toThrow(TypeError);
    expect(shared.cfg.scale).toBe(2);
    await team.close();
  });
});
