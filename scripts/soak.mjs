// The soak: one team runs 100,000 small synchronous calls (loops, reductions, regions,
// mixed) and 10,000 asynchronous calls of mixed kinds, with new body sources and new
// `shared` payloads now and then. Every result is checked exactly. The process's RSS after
// the first 1,000 calls and after the run are printed; the run fails when the final RSS
// exceeds the early one by more than 10% (something registered per call and kept forever).
//
// Faults are injected among the asynchronous calls, one every `--faultEvery` of them (0: none),
// in turn: a body that throws (the call rejects, the team goes on), a body that calls
// process.exit() on a worker (the worker is replaced) and an endless body under a timeout
// (its workers are terminated and the team recovers). Each faulty call must reject with its
// fault's error class; the calls after it are checked exactly like the others, and the RSS
// samples span the recoveries, so a thread or port kept per recovery shows as growth.
//
//   npm run soak -- [--sync N] [--async N] [--threads T] [--seed N] [--faultEvery N]
//
// It runs under --expose-gc (the calling thread's heap is collected before each sample) and
// --max-semi-space-size=1, and starts itself again with them when they are missing. V8 grows
// each thread's young generation with its allocation rate (to 2 x 16 MiB per thread on
// Node 20) and keeps it: with default flags a team of two threads gains 40-70 MiB of RSS
// between about 20,000 and 90,000 calls, then stays flat over 330,000, while the live JS
// heaps stay within about 1 MiB. That growth is bounded and V8's, and it would hide any
// retention the soak is there to catch, so the young generation is held at its smallest size.
import { spawnSync } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { Team, sharedArray } from '../dist/index.js';
import { prng } from './prng.mjs';

const FLAGS = ['--expose-gc', '--max-semi-space-size=1'];
const missing = FLAGS.filter((f) => !process.execArgv.includes(f));
if (missing.length > 0) {
  const child = spawnSync(process.execPath, [...process.execArgv, ...missing, ...process.argv.slice(1)], { stdio: 'inherit' });
  process.exit(child.status ?? 1);
}

const opts = { sync: 100000, async: 10000, threads: Math.min(4, Math.max(2, availableParallelism())), seed: 1, faultEvery: 250 };
for (let k = 2; k < process.argv.length; k += 2) {
  const name = process.argv[k].replace(/^--/, '');
  const v = Number(process.argv[k + 1]);
  if (!(name in opts) || !Number.isInteger(v) || v < 0) throw new RangeError(`usage: soak.mjs [--sync N] [--async N] [--threads T] [--seed N] [--faultEvery N], got ${process.argv[k]} ${process.argv[k + 1]}`);
  opts[name] = v;
}

const rand = prng(opts.seed);
const int = (lo, hi) => lo + Math.floor(rand() * (hi - lo + 1));
const pick = (list) => list[Math.floor(rand() * list.length)];

const gc = globalThis.gc;
function rssMb() {
  gc();
  gc();
  return process.memoryUsage().rss / 2 ** 20;
}
const heapMb = () => process.memoryUsage().heapUsed / 2 ** 20;

// Bodies: a fixed set, and now and then a new source (a comment makes the text new).
let version = 0;
function bodies() {
  const v = version++;
  const ev = (src) => (0, eval)(src.replace('/*V*/', `/* v${v} */`));
  return {
    for: ev('(i, s) => { /*V*/ Atomics.add(s.hits, i - s.start, 1); }'),
    forRange: ev('(lo, hi, s) => { /*V*/ for (let i = lo; i < hi; i++) Atomics.add(s.hits, i - s.start, 1); }'),
    reduce: ev('(acc, i, s) => { /*V*/ return acc + i * s.k; }'),
    reduceRange: ev('(acc, lo, hi, s) => { /*V*/ for (let i = lo; i < hi; i++) acc += i * s.k; return acc; }'),
    region: ev(`(s, ctx) => { /*V*/
      Atomics.add(s.c, 0, 1);
      ctx.barrier();
      ctx.single(() => Atomics.add(s.c, 1, 1));
      ctx.critical(() => { s.c[2] = s.c[2] + 1; });
      ctx.for(0, s.hits.length, (i) => { Atomics.add(s.hits, i, 1); });
    }`),
    map: ev('(x, i, s) => /*V*/ x * s.k + i'),
  };
}

const N_MAX = 4000;
let B = bodies();
// Payloads: new shared arrays and plain objects now and then; the old ones become garbage.
let pool;
function newPayloads() {
  pool = Array.from({ length: 5 }, () => ({ hits: sharedArray(Int32Array, N_MAX), c: sharedArray(Int32Array, 4), k: int(1, 9), tag: `p${version}-${rand()}` }));
}
newPayloads();

const team = new Team({ numThreads: opts.threads });
let wrong = 0;
const failures = [];
function check(ok, what) {
  if (ok) return;
  wrong++;
  if (failures.length < 20) {
    failures.push(what);
    console.log(`WRONG: ${what}`);
  }
}

function sumK(start, end, k) {
  let s = 0;
  for (let i = start; i < end; i++) s += i * k;
  return s;
}

/** One call: returns its result (sync) or a promise of it, and a check to run on it. */
function plan(payload, sync) {
  const kind = pick(['for', 'forRange', 'reduce', 'reduceRange', 'region', 'map']);
  const n = int(0, rand() < 0.8 ? 200 : N_MAX);
  const start = int(-50, 50);
  const end = start + n;
  const o = { shared: undefined };
  if (rand() < 0.5) o.serialBelowUs = 0;
  if (rand() < 0.3) o.schedule = pick(['static', 'dynamic', 'guided']);
  const s = { hits: payload.hits, start, k: payload.k, c: payload.c, tag: payload.tag };
  o.shared = s;
  const S = sync ? 'Sync' : '';
  const hitsOk = (m) => {
    for (let i = 0; i < m; i++) if (payload.hits[i] !== 1) return false;
    return true;
  };
  payload.hits.fill(0, 0, Math.max(n, 0));
  switch (kind) {
    case 'for':
    case 'forRange':
      return { kind, run: () => team[`parallel${kind === 'for' ? 'For' : 'ForRange'}${S}`](start, end, B[kind], o), check: () => check(hitsOk(n), `${kind}(${start}, ${end}) hits`) };
    case 'reduce':
    case 'reduceRange': {
      const want = sumK(start, end, payload.k);
      return { kind, run: () => team[`parallel${kind === 'reduce' ? 'Reduce' : 'ReduceRange'}${S}`](start, end, B[kind], 'sum', o), check: (v) => check(v === want, `${kind}(${start}, ${end}) gave ${v}, want ${want}`) };
    }
    case 'region': {
      const m = Math.min(n, 300);
      const hits = payload.hits.subarray(0, m);
      payload.c.fill(0);
      const r = { ...s, hits };
      const p = int(1, opts.threads);
      return {
        kind,
        run: () => team[`parallel${S}`](B.region, { shared: r, numThreads: p }),
        check: () => check(payload.c[0] === p && payload.c[1] === 1 && payload.c[2] === p && hitsOk(m), `region p=${p}: ${[...payload.c]} hits ${hitsOk(m)}`),
      };
    }
    default: {
      const items = Array.from({ length: Math.min(n, 300) }, (_, j) => j - 7);
      return {
        kind,
        run: () => team[`parallelMap${S}`](items, B.map, { shared: { k: payload.k } }),
        check: (v) => check(Array.isArray(v) && v.length === items.length && v.every((x, j) => x === items[j] * payload.k + j), `map of ${items.length}`),
      };
    }
  }
}

// Faulty calls, in turn; each must reject with `name`.
const FAULTS = [
  { kind: 'throw', name: 'Error', run: () => team.parallelFor(0, 64, (i) => { if (i === 37) throw new Error('soak fault'); }, { serialBelowUs: 0 }) },
  { kind: 'exit', name: 'WorkerDiedError', run: () => team.parallelFor(0, 64, (i) => { if (i === 5) process.exit(3); }, { serialBelowUs: 0 }) },
  { kind: 'endless', name: 'TimeoutError', run: () => team.parallelFor(0, 2, () => { for (;;); }, { serialBelowUs: 0, timeout: 20 }) },
];
const faults = { injected: 0, rejectedRight: 0, byKind: {} };
async function injectFault() {
  const f = FAULTS[faults.injected % FAULTS.length];
  faults.injected++;
  faults.byKind[f.kind] = (faults.byKind[f.kind] ?? 0) + 1;
  try {
    await f.run();
    check(false, `fault ${f.kind} resolved instead of rejecting`);
  } catch (err) {
    if (err?.name === f.name) faults.rejectedRight++;
    else check(false, `fault ${f.kind} rejected with ${err?.name}: ${err?.message}, want ${f.name}`);
  }
}

const t0 = performance.now();
let calls = 0;
let early;
let earlyHeap;
const rssTrail = [];
let syncDone = 0;
let asyncDone = 0;
const kinds = {};
// Every 100 sync calls, a burst of async calls (1..4 at once, each with its own payload).
const burst = opts.sync > 0 ? Math.max(1, Math.round((opts.async * 100) / opts.sync)) : opts.async;
function counted() {
  calls++;
  if (calls === 1000) {
    early = rssMb();
    earlyHeap = heapMb();
    console.log(`RSS after the first 1,000 calls: ${early.toFixed(1)} MiB (the calling thread's JS heap ${earlyHeap.toFixed(1)} MiB)`);
  }
  if (calls % 10000 === 0) {
    const rss = rssMb();
    rssTrail.push(`${calls / 1000}k ${rss.toFixed(0)} (${heapMb().toFixed(1)})`);
  }
  if (calls % 5000 === 0) {
    // New payloads and, less often, new body sources.
    newPayloads();
    if (calls % 10000 === 0) B = bodies();
  }
}

while (syncDone < opts.sync || asyncDone < opts.async) {
  for (let k = 0; k < 100 && syncDone < opts.sync; k++) {
    const c = plan(pool[0], true);
    c.check(c.run());
    kinds[c.kind] = (kinds[c.kind] ?? 0) + 1;
    syncDone++;
    counted();
  }
  let left = syncDone < opts.sync ? Math.min(burst, opts.async - asyncDone) : opts.async - asyncDone;
  while (left > 0) {
    const m = Math.min(left, int(1, 4));
    const cs = Array.from({ length: m }, (_, j) => plan(pool[1 + j], false));
    const vs = await Promise.all(cs.map((c) => c.run()));
    cs.forEach((c, j) => {
      c.check(vs[j]);
      kinds[c.kind] = (kinds[c.kind] ?? 0) + 1;
      counted();
    });
    const before = asyncDone;
    asyncDone += m;
    left -= m;
    if (opts.faultEvery > 0 && Math.floor(asyncDone / opts.faultEvery) > Math.floor(before / opts.faultEvery)) await injectFault();
  }
}
const seconds = (performance.now() - t0) / 1000;
// Sampled with the team still open: its workers' heaps count, as they did early on.
const final = rssMb();
const finalHeap = heapMb();
await team.close();
early ??= final;
earlyHeap ??= finalHeap;
const growth = (final / early - 1) * 100;
console.log(`RSS after the run: ${final.toFixed(1)} MiB (${growth >= 0 ? '+' : ''}${growth.toFixed(1)}% on the early sample; limit +10%); the calling thread's JS heap ${earlyHeap.toFixed(1)} -> ${finalHeap.toFixed(1)} MiB`);
console.log(`RSS every 10,000 calls, MiB (the calling thread's JS heap in brackets): ${rssTrail.join(', ')}`);
console.log(
  `soak: ${calls} calls (${syncDone} sync, ${asyncDone} async) on one team of ${opts.threads} threads in ${seconds.toFixed(1)} s; ` +
    `${version} body versions; kinds ${JSON.stringify(kinds)}; wrong results ${wrong}`,
);
console.log(`soak: faults injected ${faults.injected} (${JSON.stringify(faults.byKind)}), rejected with the right class ${faults.rejectedRight}`);
const ok = wrong === 0 && growth <= 10 && faults.rejectedRight === faults.injected;
console.log(ok ? 'soak: OK' : `soak: FAILED (${wrong} wrong results, RSS ${growth.toFixed(1)}%)`);
process.exitCode = ok ? 0 : 1;
