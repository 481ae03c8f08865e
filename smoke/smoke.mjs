// Runtime smoke suite: every public call form of parafor, run the way users run it (plain
// JavaScript importing the installed package), on Node, Bun and Deno.
//
//   node smoke.mjs          bun smoke.mjs          deno run --allow-read --allow-write --allow-sys smoke.mjs
//
// Each check computes an exact result and compares it; loops run with serialBelowUs: 0 on a
// team of two, and the checks that record ctx.threadId fail unless a worker thread ran part
// of the loop. Prints one line per check and a last line "N passed, N failed"; exits 1 on a
// failure.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  Team,
  cpuCount,
  loadText,
  numThreads,
  parallel,
  parallelFor,
  parallelForRange,
  parallelForRangeSync,
  parallelForSync,
  parallelMap,
  parallelMapSync,
  parallelReduce,
  parallelReduceRange,
  parallelReduceRangeSync,
  parallelReduceSync,
  parallelSync,
  partitionLines,
  reduceLines,
  sections,
  sectionsSync,
  sharedArray,
} from 'parafor';

const runtime = typeof Deno !== 'undefined' ? `deno ${Deno.version.deno}` : typeof Bun !== 'undefined' ? `bun ${Bun.version}` : `node ${process.versions.node}`;
const T = 2;
const team = new Team({ numThreads: T });
const N = 10_000;
const FORCE = { serialBelowUs: 0 };
let passed = 0;
let failed = 0;

function eq(actual, expected, what) {
  const a = JSON.stringify(actual);
  const e = JSON.stringify(expected);
  if (a !== e) throw new Error(`${what}: expected ${e}, got ${a}`);
}

async function check(name, fn) {
  try {
    await fn();
    passed++;
    console.log(`ok   ${name}`);
  } catch (err) {
    failed++;
    console.log(`FAIL ${name}: ${err && err.stack ? err.stack : err}`);
  }
}

/**
 * Every index visited exactly once; under the static schedule the two halves belong to
 * threads 0 and 1, so a worker thread must have run (a dynamic schedule may let one thread
 * take every chunk of so short a loop).
 */
function visitedOnce(hits, owners, what, schedule) {
  for (let i = 0; i < hits.length; i++) if (hits[i] !== 1) throw new Error(`${what}: index ${i} visited ${hits[i]} times`);
  if (schedule === 'static') eq([owners[0], owners[hits.length - 1]], [0, 1], `${what}: threads of the first and last index`);
}

const sumTo = (n) => (n * (n - 1)) / 2;

// ---- loops --------------------------------------------------------------------------------
const loops = [
  ['parallelForSync', (b, o) => team.parallelForSync(0, N, b, o), false],
  ['parallelFor', (b, o) => team.parallelFor(0, N, b, o), false],
  ['parallelForRangeSync', (b, o) => team.parallelForRangeSync(0, N, b, o), true],
  ['parallelForRange', (b, o) => team.parallelForRange(0, N, b, o), true],
];
for (const [name, run, range] of loops) {
  for (const schedule of ['static', 'dynamic', 'guided']) {
    await check(`${name} ${schedule}`, async () => {
      const hits = sharedArray(Int32Array, N);
      const owners = sharedArray(Int32Array, N);
      const shared = { hits, owners };
      const o = { shared, schedule, chunk: schedule === 'static' ? undefined : 97, ...FORCE };
      if (range) {
        await run((lo, hi, s, ctx) => {
          for (let i = lo; i < hi; i++) {
            Atomics.add(s.hits, i, 1);
            s.owners[i] = ctx.threadId;
          }
        }, o);
      } else {
        await run((i, s, ctx) => {
          Atomics.add(s.hits, i, 1);
          s.owners[i] = ctx.threadId;
        }, o);
      }
      visitedOnce(hits, owners, name, schedule);
    });
  }
}

// ---- reductions ---------------------------------------------------------------------------
await check('parallelReduceSync sum', () => {
  eq(team.parallelReduceSync(0, N, (acc, i) => acc + i, 'sum', FORCE), sumTo(N), 'sum');
});
await check('parallelReduce max, min, bitxor', async () => {
  const xs = sharedArray(Int32Array, N);
  for (let i = 0; i < N; i++) xs[i] = (i * 7919) % 10007;
  const o = { shared: { xs }, ...FORCE };
  let max = -Infinity;
  let min = Infinity;
  let x = 0;
  for (let i = 0; i < N; i++) {
    max = Math.max(max, xs[i]);
    min = Math.min(min, xs[i]);
    x ^= xs[i];
  }
  eq(await team.parallelReduce(0, N, (acc, i, s) => Math.max(acc, s.xs[i]), 'max', o), max, 'max');
  eq(await team.parallelReduce(0, N, (acc, i, s) => Math.min(acc, s.xs[i]), 'min', o), min, 'min');
  eq(await team.parallelReduce(0, N, (acc, i, s) => acc ^ s.xs[i], 'bitxor', o), x, 'bitxor');
});
await check('parallelReduceRangeSync custom reducer (histogram)', () => {
  const bins = team.parallelReduceRangeSync(
    0,
    N,
    (acc, lo, hi) => {
      for (let i = lo; i < hi; i++) acc[i % 16]++;
      return acc;
    },
    { identity: () => new Float64Array(16), combine: (a, b) => a.map((v, k) => v + b[k]) },
    FORCE,
  );
  eq(Array.from(bins), Array.from({ length: 16 }, (_, k) => Math.floor((N - 1 - k) / 16) + 1), 'bins');
});
await check('parallelReduceRange sum', async () => {
  const got = await team.parallelReduceRange(0, N, (acc, lo, hi) => {
    for (let i = lo; i < hi; i++) acc += i * i;
    return acc;
  }, 'sum', FORCE);
  eq(got, ((N - 1) * N * (2 * N - 1)) / 6, 'sum of squares');
});

// ---- the module-level functions (the default team) ---------------------------------------
await check('module-level loops and reductions', async () => {
  const xs = sharedArray(Float64Array, N);
  const shared = { xs };
  parallelForSync(0, N, (i, s) => {
    s.xs[i] = i;
  }, { shared });
  await parallelFor(0, N, (i, s) => {
    s.xs[i] += 1;
  }, { shared });
  parallelForRangeSync(0, N, (lo, hi, s) => {
    for (let i = lo; i < hi; i++) s.xs[i] *= 2;
  }, { shared });
  await parallelForRange(0, N, (lo, hi, s) => {
    for (let i = lo; i < hi; i++) s.xs[i] -= 2;
  }, { shared });
  // xs[i] = 2i now.
  eq(parallelReduceSync(0, N, (acc, i, s) => acc + s.xs[i], 'sum', { shared }), 2 * sumTo(N), 'parallelReduceSync');
  eq(await parallelReduce(0, N, (acc, i, s) => acc + s.xs[i], 'sum', { shared }), 2 * sumTo(N), 'parallelReduce');
  const range = (acc, lo, hi, s) => {
    for (let i = lo; i < hi; i++) acc = Math.max(acc, s.xs[i]);
    return acc;
  };
  eq(parallelReduceRangeSync(0, N, range, 'max', { shared }), 2 * (N - 1), 'parallelReduceRangeSync');
  eq(await parallelReduceRange(0, N, range, 'max', { shared }), 2 * (N - 1), 'parallelReduceRange');
  if (!(numThreads() >= 1 && cpuCount() >= 1)) throw new Error(`numThreads ${numThreads()}, cpuCount ${cpuCount()}`);
});
await check('the environment: PARAFOR_NUM_THREADS when readable, else not set', () => {
  let set;
  try {
    set = process.env.PARAFOR_NUM_THREADS;
  } catch {
    // Deno without --allow-env: parafor must treat the variable as not set.
  }
  eq(numThreads(), set === undefined ? cpuCount() : Number(set), 'numThreads()');
});

// ---- regions ------------------------------------------------------------------------------
const region = (s, ctx) => {
  s.seen[ctx.threadId] = 1;
  ctx.barrier();
  // After the barrier every thread has marked itself: each counts the marks it sees.
  let marks = 0;
  for (let t = 0; t < ctx.numThreads; t++) marks += s.seen[t];
  Atomics.add(s.out, 0, marks);
  ctx.single(() => Atomics.add(s.out, 1, 1));
  ctx.master(() => Atomics.add(s.out, 2, 1 + ctx.threadId));
  ctx.critical(() => {
    s.out[3] = s.out[3] + 1;
  });
  ctx.for(0, 1000, (i) => {
    Atomics.add(s.hits, i, 1);
  }, { schedule: 'dynamic', chunk: 10 });
};
for (const [name, run] of [
  ['team.parallelSync', (b, o) => team.parallelSync(b, o)],
  ['team.parallel', (b, o) => team.parallel(b, o)],
  ['parallelSync', (b, o) => parallelSync(b, { ...o, numThreads: T })],
  ['parallel', (b, o) => parallel(b, { ...o, numThreads: T })],
]) {
  await check(`${name}: barrier, single, master, critical, for`, async () => {
    const seen = sharedArray(Int32Array, T);
    const out = sharedArray(Int32Array, 4);
    const hits = sharedArray(Int32Array, 1000);
    await run(region, { shared: { seen, out, hits } });
    eq(Array.from(out), [T * T, 1, 1, T], 'marks, single, master, critical');
    eq(hits.every((h) => h === 1), true, 'worksharing for visits each index once');
  });
}

// ---- sections and parallelMap --------------------------------------------------------------
await check('sections and sectionsSync', async () => {
  const fns = [() => 'a'.repeat(3), (s) => s.k * 2, () => [1, 2, 3].reduce((a, b) => a + b, 0)];
  eq(await team.sections(fns, { shared: { k: 21 } }), ['aaa', 42, 6], 'team.sections');
  eq(team.sectionsSync(fns, { shared: { k: 21 } }), ['aaa', 42, 6], 'team.sectionsSync');
  eq(await sections(fns, { shared: { k: 5 } }), ['aaa', 10, 6], 'sections');
  eq(sectionsSync(fns, { shared: { k: 5 } }), ['aaa', 10, 6], 'sectionsSync');
});
await check('parallelMap and parallelMapSync', async () => {
  const items = Array.from({ length: 500 }, (_, i) => i);
  const want = items.map((x) => x * x + 1);
  eq(await team.parallelMap(items, (x, i, s) => x * x + s.one, { shared: { one: 1 }, ...FORCE }), want, 'team.parallelMap');
  eq(team.parallelMapSync(items, (x) => x * x + 1, FORCE), want, 'team.parallelMapSync');
  eq(await parallelMap(items, (x) => x * x + 1), want, 'parallelMap');
  eq(parallelMapSync(items, (x) => x * x + 1), want, 'parallelMapSync');
});

// ---- errors -------------------------------------------------------------------------------
await check('a body error reaches the caller with its class, message and index', async () => {
  for (const sync of [true, false]) {
    let caught;
    try {
      const body = (i) => {
        if (i === 7777) throw new RangeError(`bad index ${i}`);
      };
      if (sync) team.parallelForSync(0, N, body, FORCE);
      else await team.parallelFor(0, N, body, FORCE);
    } catch (err) {
      caught = err;
    }
    if (!(caught instanceof RangeError)) throw new Error(`expected a RangeError, got ${caught}`);
    eq([caught.message, caught.index], ['bad index 7777', 7777], 'message and index');
  }
  // The team stays usable.
  eq(team.parallelReduceSync(0, 100, (a, i) => a + i, 'sum', FORCE), sumTo(100), 'after the error');
});
await check('bad arguments get a TypeError or RangeError naming them', () => {
  let caught;
  try {
    team.parallelForSync(0, 10, () => {}, { chunk: -1 });
  } catch (err) {
    caught = err;
  }
  if (!(caught instanceof RangeError) || !caught.message.includes('`chunk`')) throw new Error(`got ${caught}`);
});

// ---- text loader --------------------------------------------------------------------------
// Beside this file, not in os.tmpdir(): Deno reads TMPDIR for that, and this suite runs without --allow-env.
const dir = fs.mkdtempSync(path.join(path.dirname(fileURLToPath(import.meta.url)), 'parafor-smoke-'));
const file = path.join(dir, 'words.txt');
const lines = Array.from({ length: 5000 }, (_, i) => `line ${i} ${'x'.repeat(i % 37)} é`);
fs.writeFileSync(file, lines.join('\n') + '\n');
const bytes = fs.readFileSync(file);
await check('partitionLines (file and bytes)', () => {
  const parts = partitionLines(file, 4);
  eq(parts, partitionLines(new Uint8Array(bytes), 4), 'same cuts for the path and the bytes');
  eq(parts.length, 4, 'parts');
  eq(parts[0][0], 0, 'first start');
  eq(parts[3][1], bytes.length, 'last end');
  for (let k = 1; k < 4; k++) {
    eq(parts[k][0], parts[k - 1][1], 'contiguous');
    eq(bytes[parts[k][0] - 1], 10, 'each part starts a line');
  }
});
await check('loadText', async () => {
  for (const opts of [{ team }, { team, blockSize: 1000 }, undefined]) {
    const text = await loadText(file, opts);
    eq(text.lineCount, lines.length, 'lineCount');
    eq(text.byteLength, bytes.length, 'byteLength');
    eq([text.line(0), text.line(4999)], [lines[0], lines[4999]], 'first and last lines');
    eq([...text].join('\n'), lines.join('\n'), 'every line');
  }
});
await check('reduceLines (utf8, bytes, custom reducer)', async () => {
  const chars = lines.reduce((a, l) => a + l.length, 0);
  eq(await reduceLines(file, (acc, line) => acc + line.length, 'sum', { team }), chars, 'utf8 sum');
  eq(await reduceLines(file, (acc, line) => acc + line.length, 'sum', { team, encoding: 'bytes', blockSize: 4096 }), bytes.length - lines.length, 'bytes sum');
  const longest = await reduceLines(file, (acc, line) => (line.length > acc.length ? line : acc), {
    identity: '',
    combine: (a, b) => (b.length > a.length ? b : a),
  });
  eq(longest, lines.reduce((a, l) => (l.length > a.length ? l : a), ''), 'longest line');
});
await check('text loader errors: a missing file', async () => {
  let caught;
  try {
    await loadText(path.join(dir, 'missing.txt'), { team });
  } catch (err) {
    caught = err;
  }
  if (!(caught instanceof Error) || !caught.message.includes('missing.txt')) throw new Error(`got ${caught}`);
});
fs.rmSync(dir, { recursive: true, force: true });

await check('a worker that dies: the call rejects, the next calls are exact (three rounds)', async () => {
  for (let round = 0; round < 3; round++) {
    const t = new Team({ numThreads: 2 });
    let caught;
    try {
      await t.parallelFor(0, 100, (i) => {
        if (i === 99) process.exit(3);
      }, FORCE);
    } catch (err) {
      caught = err;
    }
    if (!(caught instanceof Error) || !caught.message.includes('process.exit(3)')) throw new Error(`round ${round}: got ${caught}`);
    eq(await t.parallelReduce(0, 1000, (a, i) => a + i, 'sum', FORCE), 499500, `round ${round}: the next reduction`);
    eq(t.parallelReduceSync(0, 1000, (a, i) => a + i, 'sum', FORCE), 499500, `round ${round}: a synchronous one`);
    await t.close();
  }
});

await team.close();
console.log(runtime);
console.log(`${passed} passed, ${failed} failed`);
if (failed > 0) process.exitCode = 1;
