// The chaos suite: a seeded random sequence of every public call form on teams of 1..4
// threads and twice the cores, sync and async, several async calls at once, with faults
// injected at random points (a body throws, process.exit, process.reallyExit, out of memory
// under resourceLimits, an endless body with `timeout`, an AbortSignal aborted at a random
// moment, plain arrays written through `shared`, close() while calls are in flight).
//
//   npm run chaos -- [--seed N] [--seconds S] [--calls N] [--verbose]
//
// Every call that is not the faulty one is checked exactly: hit counters on a shared
// Int32Array (each index ran exactly once), exact integer reductions, region invariants
// (barrier arrivals, single and master ran once, critical sections never overlapped). A
// faulty call must reject with the fault's error class within the bound printed at the
// start; the calls after it must be exact again. Before each team closes, a latency probe
// (warm clean calls, sync and async) measures how long a call takes to settle: its 99th
// percentile over the run must stay under LATENCY_P99_MS, so that a lost notify (a join
// that sleeps its 50 ms slice instead of being woken) fails the run. A watchdog thread turns a step that never
// settles into a failure that names the seed and the step, then kills the process. Before
// the run, child processes check that an async call which fails with nobody awaiting it is
// reported (unhandledRejection, non-zero exit), as an ordinary promise would be.
//
// The run is determined by the seed, apart from timing (when an abort or close() lands).
// Exit status: 0 when every check passed, 1 otherwise.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import * as parafor from '../dist/index.js';
import { prng } from './prng.mjs';

const { Team, sharedArray, loadText, reduceLines } = parafor;
const DIST = new URL('../dist/index.js', import.meta.url).href;

// ---- arguments ------------------------------------------------------------------------

function parseArgs(argv) {
  const out = { seed: undefined, seconds: undefined, calls: undefined, verbose: false };
  for (let k = 0; k < argv.length; k++) {
    const a = argv[k];
    const num = (name) => {
      const v = Number(argv[++k]);
      if (!Number.isFinite(v) || v < 0) throw new RangeError(`${name} needs a non-negative number, got ${argv[k]}`);
      return v;
    };
    if (a === '--seed') out.seed = num('--seed') >>> 0;
    else if (a === '--seconds') out.seconds = num('--seconds');
    else if (a === '--calls') out.calls = Math.floor(num('--calls'));
    else if (a === '--verbose') out.verbose = true;
    else throw new RangeError(`unknown argument ${a}; usage: chaos.mjs [--seed N] [--seconds S] [--calls N] [--verbose]`);
  }
  if (out.seed === undefined) out.seed = (Math.random() * 2 ** 32) >>> 0;
  if (out.seconds === undefined && out.calls === undefined) out.seconds = 60;
  return out;
}

const args = parseArgs(process.argv.slice(2));
console.log(`chaos: seed ${args.seed} (rerun: npm run chaos -- --seed ${args.seed}${args.seconds !== undefined ? ` --seconds ${args.seconds}` : ''}${args.calls !== undefined ? ` --calls ${args.calls}` : ''})`);

const rand = prng(args.seed);
const int = (lo, hi) => lo + Math.floor(rand() * (hi - lo + 1)); // inclusive
const pick = (list) => list[Math.floor(rand() * list.length)];
const chance = (p) => rand() < p;

// ---- bounds ----------------------------------------------------------------------------

/** The documented grace between a timeout's cancel and the termination of stuck workers. */
const GRACE_MS = 500;
/** Allowance for a loaded machine (2 cores shared with other work) on top of every bound. */
const SLACK_MS = 1500;
const BOUND_MS = {
  throw: 2000 + SLACK_MS,
  exit: 3000 + SLACK_MS,
  reallyExit: 3000 + SLACK_MS,
  oom: 8000 + SLACK_MS,
  // endless: timeout + GRACE_MS (a body that never polls ctx.cancelled) + SLACK_MS
  // abort: from the moment of abort, SLACK_MS
};
/** A step (one call, or a batch of calls) that has not settled after this is a hang. */
const HANG_MS = 30000;
/**
 * The bound on the 99th percentile of a warm clean call's settle time (the latency probe):
 * loose enough for a loaded machine of 2 cores (a load of 4 to 5 times the cores gave at
 * most 14 ms), below the 50 ms slice a join sleeps when nobody wakes it.
 */
const LATENCY_P99_MS = 25;
/** Calls of each form (sync, async) in one probe, after as many unmeasured ones. */
const PROBE_CALLS = 20;
/** Each slot's busy time in a probe call: long enough that the caller waits for the workers. */
const PROBE_SLOT_MS = 0.2;

// ---- figures (shared with the watchdog, which prints them if the process hangs) ---------

const FIG_NAMES = [
  'calls', 'sync calls', 'async calls', 'teams', 'checks passed', 'checks failed',
  'wrong results', 'wrong errors', 'unexpected rejections', 'slow settles', 'hangs', 'lost errors',
  'half-kept writes', 'faults injected', 'faults landed', 'faults not landed',
  'landed throw', 'landed exit', 'landed reallyExit', 'landed oom', 'landed endless', 'landed abort',
  'landed plainWrite', 'landed close', 'text calls refused by close', 'slowest fault settle ms', 'slowest recovery ms', 'unhandled rejections',
  'slow clean calls', 'probe calls',
];
const FIG = new Int32Array(new SharedArrayBuffer(4 * FIG_NAMES.length));
const F = Object.fromEntries(FIG_NAMES.map((n, k) => [n, k]));
const bump = (name, by = 1) => Atomics.add(FIG, F[name], by);
const maxTo = (name, v) => {
  const r = Math.round(v);
  if (r > Atomics.load(FIG, F[name])) Atomics.store(FIG, F[name], r);
};
const slowestByKind = new Map();
const failures = [];

function fail(kind, text) {
  bump('checks failed');
  bump(kind);
  failures.push(`[${kind}] ${text}`);
  if (failures.length <= 40) console.log(`FAIL [${kind}] ${text}`);
}
function pass() {
  bump('checks passed');
}

// ---- watchdog ----------------------------------------------------------------------------

const T0 = Date.now();
const WD = new Int32Array(new SharedArrayBuffer(16)); // [0] deadline ms after T0 (0: none), [1] stop, [2] description length
const WD_TEXT = new Uint8Array(new SharedArrayBuffer(8192));
const watchdog = new Worker(
  `
  const { workerData } = require('node:worker_threads');
  const { writeSync } = require('node:fs');
  const { wd, text, fig, names, t0, seed } = workerData;
  for (;;) {
    Atomics.wait(wd, 1, 0, 250);
    if (Atomics.load(wd, 1) !== 0) break;
    const deadline = Atomics.load(wd, 0);
    if (deadline === 0 || Date.now() - t0 < deadline) continue;
    const what = new TextDecoder().decode(text.slice(0, Atomics.load(wd, 2)));
    const lines = ['', 'HANG: seed ' + seed + ': this step did not settle within its bound:', '  ' + what, 'figures so far:'];
    Atomics.add(fig, names.indexOf('hangs'), 1);
    Atomics.add(fig, names.indexOf('checks failed'), 1);
    for (let k = 0; k < names.length; k++) lines.push('  ' + names[k] + ': ' + Atomics.load(fig, k));
    lines.push('chaos: FAILED (hang), seed ' + seed);
    writeSync(2, lines.join('\\n') + '\\n');
    // The calling thread may be blocked in a synchronous call: end the whole process.
    process.kill(process.pid, 'SIGKILL');
  }
  `,
  { eval: true, workerData: { wd: WD, text: WD_TEXT, fig: FIG, names: FIG_NAMES, t0: T0, seed: args.seed } },
);
watchdog.unref();

/** The calls of the current step that have not settled yet, named in a hang report. */
const pending = new Set();
let watchWhat = '';

function refreshWatch() {
  if (watchWhat === '') return;
  const open = [...pending].map((c) => `#${c.id}`).join(', ');
  writeWatch(`${watchWhat}\n  not settled: ${open === '' ? '(all calls settled; close() or the step itself)' : open}`);
}

function arm(what, ms) {
  watchWhat = what;
  refreshWatch();
  Atomics.store(WD, 0, Date.now() - T0 + ms);
}

function writeWatch(what) {
  const bytes = new TextEncoder().encode(what.length > 1900 ? `${what.slice(0, 1900)}...` : what);
  WD_TEXT.set(bytes.subarray(0, WD_TEXT.length));
  Atomics.store(WD, 2, Math.min(bytes.length, WD_TEXT.length));
}
function disarm() {
  Atomics.store(WD, 0, 0);
  watchWhat = '';
  pending.clear();
}

process.on('unhandledRejection', (reason) => {
  bump('unhandled rejections');
  fail('lost errors', `an unhandled rejection reached the process: ${describe(reason)}`);
});

function describe(err) {
  if (err === null || typeof err !== 'object') return String(err);
  return `${err.name}: ${String(err.message).split('\n')[0].slice(0, 200)}`;
}

// ---- bodies ------------------------------------------------------------------------------
// Bodies are shipped as source text, so the fault code is spliced into each body's source.
// `globalThis.CHAOS_MAIN` is set on the calling thread only: faults that end a thread
// (exit, reallyExit, oom, endless) fire only on a worker, never on the harness's thread.
// s.f.flag records whether the fault fired: a call whose fault never fired (its indices all
// ran on the calling thread, say) must give the exact result like any other call.

globalThis.CHAOS_MAIN = true;

const FAULT = `
  if (s.f !== undefined && $K$ >= s.f.at && Atomics.load(s.f.flag, 0) === 0) {
    const f = s.f;
    if ((f.kind === 'throw' || globalThis.CHAOS_MAIN !== true) && Atomics.compareExchange(f.flag, 0, 0, 1) === 0) {
      if (f.kind === 'throw') { const e = new RangeError('chaos fault ' + f.tag); e.code = 'ECHAOS'; throw e; }
      if (f.kind === 'exit') process.exit(f.code);
      if (f.kind === 'reallyExit') process.reallyExit(f.code);
      if (f.kind === 'oom') { const keep = []; for (;;) keep.push(new Array(65536).fill($K$)); }
      if (f.kind === 'endless') { for (;;) if (f.poll && $CANCELLED$) return $RET$; }
    }
  }
  if (s.slow > 0) { const until = parafor.wtime() + s.slow; while (parafor.wtime() < until) if ($CANCELLED$) return $RET$; }
`;

function body(params, k, ret, core, cancelled = 'ctx.cancelled') {
  const fault = FAULT.replaceAll('$K$', k).replaceAll('$RET$', ret).replaceAll('$CANCELLED$', cancelled);
  return (0, eval)(`(${params}) => {${fault}  ${core}\n}`);
}

const B = {
  for: body('i, s, ctx', 'i', '', 'Atomics.add(s.hits, i - s.start, 1);'),
  forRange: body('lo, hi, s, ctx', 'hi - 1', '', 'for (let i = lo; i < hi; i++) Atomics.add(s.hits, i - s.start, 1);'),
  reduceSum: body('acc, i, s, ctx', 'i', 'acc', 'Atomics.add(s.hits, i - s.start, 1); return acc + i;'),
  reduceXor: body('acc, i, s, ctx', 'i', 'acc', 'Atomics.add(s.hits, i - s.start, 1); return acc ^ (i & 1023);'),
  reduceMax: body('acc, i, s, ctx', 'i', 'acc', 'Atomics.add(s.hits, i - s.start, 1); return Math.max(acc, i);'),
  reduceObj: body('acc, i, s, ctx', 'i', 'acc', 'Atomics.add(s.hits, i - s.start, 1); acc.n += 1; acc.s += i; return acc;'),
  reduceRangeSum: body('acc, lo, hi, s, ctx', 'hi - 1', 'acc', 'for (let i = lo; i < hi; i++) { Atomics.add(s.hits, i - s.start, 1); acc += i; } return acc;'),
  reduceRangeObj: body('acc, lo, hi, s, ctx', 'hi - 1', 'acc', 'for (let i = lo; i < hi; i++) { Atomics.add(s.hits, i - s.start, 1); acc.n += 1; acc.s += i; } return acc;'),
  map: body('x, i, s', 'i', '0', 'return x * 3 + i + s.add;', 'false'),
  lines: body('acc, line, s, ctx', 'Number(line)', 'acc', 'return acc + Number(line);'),
  // Region words of s.c: 0 arrivals, 1 violations, 2 single ran, 3 master ran, 4 inside a
  // critical section, 5 critical count (plain read-modify-write), 6 hits wrong after ctx.for,
  // 7 numThreads seen.
  region: body(
    's, ctx',
    'ctx.threadId',
    '',
    `const c = s.c, P = ctx.numThreads;
  Atomics.store(c, 7, P);
  Atomics.add(c, 0, 1);
  ctx.barrier();
  if (Atomics.load(c, 0) !== P) Atomics.add(c, 1, 1);
  ctx.single(() => Atomics.add(c, 2, 1));
  ctx.master(() => { Atomics.add(c, 3, 1); if (ctx.threadId !== 0) Atomics.add(c, 1, 1); });
  for (let r = 0; r < s.reps; r++) {
    ctx.critical(() => {
      if (Atomics.add(c, 4, 1) !== 0) Atomics.add(c, 1, 1);
      c[5] = c[5] + 1;
      for (let w = 0; w < s.spin; w++) if (Atomics.load(c, 4) !== 1) Atomics.add(c, 1, 1);
      Atomics.sub(c, 4, 1);
    }, s.lock);
  }
  ctx.for(s.start, s.end, (i) => { Atomics.add(s.hits, i - s.start, 1); }, s.ws);
  if (s.ws.nowait) ctx.barrier();
  ctx.single(() => { for (let i = 0; i < s.hits.length; i++) if (Atomics.load(s.hits, i) !== 1) { Atomics.add(c, 6, 1); break; } });`,
  ),
  plainWrite: (i, s) => {
    s.plain[i - s.start] = 1;
  },
  identityObj: () => ({ n: 0, s: 0 }),
};
const SECTION_FNS = Array.from({ length: 6 }, (_, k) => body('s, ctx', String(k), 'undefined', `Atomics.add(s.c, ${k}, 1); return ${k} * 7 + s.base;`));
const OBJ_REDUCER = { identity: B.identityObj, combine: (a, b) => ({ n: a.n + b.n, s: a.s + b.s }) };

// ---- a text file for loadText and reduceLines ------------------------------------------

const dir = mkdtempSync(join(tmpdir(), 'parafor-chaos-'));
const TEXT_LINES = 20000;
const textPath = join(dir, 'numbers.txt');
{
  const lines = [];
  for (let j = 0; j < TEXT_LINES; j++) lines.push(String(j * 3 + 1));
  writeFileSync(textPath, lines.join('\n') + '\n');
}
const TEXT_SUM = (3 * TEXT_LINES * (TEXT_LINES - 1)) / 2 + TEXT_LINES;
const TEXT_BYTES = (() => {
  let b = 0;
  for (let j = 0; j < TEXT_LINES; j++) b += String(j * 3 + 1).length + 1;
  return b;
})();

// ---- calls -------------------------------------------------------------------------------

const FORMS = ['for', 'forRange', 'reduce', 'reduceRange', 'region', 'sections', 'map', 'reduceLines', 'loadText'];
const SYNC_FORMS = new Set(['for', 'forRange', 'reduce', 'reduceRange', 'region', 'sections', 'map']);
let callSeq = 0;

function schedOptions(o) {
  if (chance(0.5)) o.schedule = pick(['static', 'dynamic', 'guided', 'auto']);
  if (o.schedule !== 'auto' && chance(0.4)) o.chunk = pick([1, 2, 3, 7, 16, 64, 500]);
}

function hitsCheck(hits) {
  for (let i = 0; i < hits.length; i++) if (hits[i] !== 1) return `index ${i} ran ${hits[i]} times`;
  return null;
}

/**
 * Plans one call: its form, sizes, options and fault. `fault` is undefined (a normal call) or
 * a fault kind. Returns { desc, sync, fault, f, invoke(), check(value), expectErr(err), bound }.
 */
function planCall(team, size, sync, fault, opts = {}) {
  const id = ++callSeq;
  let form = opts.form ?? pick(sync ? [...SYNC_FORMS] : FORMS);
  if (fault === 'plainWrite') form = 'for';
  if (fault === 'abort' && !['for', 'forRange', 'reduce', 'reduceRange', 'region'].includes(form)) form = pick(['for', 'reduce', 'region']);
  if ((form === 'loadText') && fault !== undefined) form = 'reduceLines';
  if (form === 'reduceLines' && fault !== undefined && !['throw', 'exit', 'reallyExit'].includes(fault)) form = 'for';
  const n = chance(0.1) ? 0 : chance(0.7) ? int(1, 3000) : int(3000, 40000);
  const start = chance(0.5) ? 0 : int(-2000, 2000);
  const end = start + n;
  const o = {};
  if (form !== 'region') schedOptions(o);
  if (form === 'sections' || form === 'map') {
    delete o.schedule;
    delete o.chunk;
  }
  if (chance(0.3)) o.numThreads = int(1, size);
  if (chance(0.08)) o.if = false;
  if (form !== 'region' && chance(0.5)) o.serialBelowUs = pick([0, 0, 5, 1000]);
  if (chance(0.05)) o.timeout = 60000; // a deadline that never comes: its timer must go away
  const s = { start, end, slow: 0 };
  let f;
  let timeout;
  let abort;
  let poll = false;
  if (fault !== undefined && fault !== 'abort' && fault !== 'plainWrite') {
    f = { kind: fault, at: 0, flag: sharedArray(Int32Array, 1), tag: `#${id}`, code: int(1, 120), poll: false };
    s.f = f;
    if (fault !== 'throw' && form !== 'region') o.serialBelowUs = chance(0.85) ? 0 : o.serialBelowUs;
    if (fault === 'endless') {
      poll = form !== 'map' && chance(0.5);
      f.poll = poll;
      timeout = pick([20, 50, 100, 250]);
      o.timeout = timeout;
    }
  }
  if (fault === 'abort') {
    const ac = new AbortController();
    abort = { ac, reason: new Error(`chaos abort #${id}`), at: undefined, delay: sync ? -1 : int(0, 60) };
    o.signal = ac.signal;
    s.slow = pick([20, 50, 100]) / 1e6;
    o.serialBelowUs = 0;
  }
  let invoke;
  let check;
  let what;
  const useDefault = opts.useDefault === true;
  // The default team has its own size (the CPU count), not the current team's.
  const nThreads = o.if === false ? 1 : (o.numThreads ?? (useDefault ? parafor.numThreads() : size));
  const on = useDefault ? parafor : team;
  const name = (base) => (sync ? `${base}Sync` : base);
  const fitAt = (lo, hi) => {
    if (f !== undefined) f.at = hi > lo ? int(lo, hi - 1) : lo;
  };
  switch (form) {
    case 'for':
    case 'forRange': {
      const hits = sharedArray(Int32Array, n);
      s.hits = hits;
      fitAt(start, end);
      if (fault === 'plainWrite') {
        s.plain = new Array(n).fill(0);
        delete s.hits;
        const fn = name('parallelFor');
        invoke = () => on[fn](start, end, B.plainWrite, { ...o, shared: s });
        check = () => {
          let kept = 0;
          for (const v of s.plain) kept += v;
          return kept === n ? null : `half-kept writes: ${kept} of ${n} writes to a plain array in shared reached the caller, and the call did not fail`;
        };
        what = `${fn}(${start}, ${end}) writing a plain array in shared`;
        break;
      }
      const fn = name(form === 'for' ? 'parallelFor' : 'parallelForRange');
      invoke = () => on[fn](start, end, form === 'for' ? B.for : B.forRange, { ...o, shared: s });
      check = () => hitsCheck(hits);
      what = `${fn}(${start}, ${end})`;
      break;
    }
    case 'reduce':
    case 'reduceRange': {
      const hits = sharedArray(Int32Array, n);
      s.hits = hits;
      fitAt(start, end);
      const red = form === 'reduce' ? pick(['sum', 'bitxor', 'max', 'obj']) : pick(['sum', 'obj']);
      let fold;
      if (form === 'reduce') fold = { sum: B.reduceSum, bitxor: B.reduceXor, max: B.reduceMax, obj: B.reduceObj }[red];
      else fold = red === 'sum' ? B.reduceRangeSum : B.reduceRangeObj;
      let sum = 0;
      let xor = 0;
      for (let i = start; i < end; i++) {
        sum += i;
        xor ^= i & 1023;
      }
      const want = { sum, bitxor: xor, max: n > 0 ? end - 1 : -Infinity, obj: { n, s: sum } }[red];
      const fn = name(form === 'reduce' ? 'parallelReduce' : 'parallelReduceRange');
      invoke = () => on[fn](start, end, fold, red === 'obj' ? OBJ_REDUCER : red, { ...o, shared: s });
      check = (v) => {
        const ok = red === 'obj' ? v !== null && typeof v === 'object' && v.n === want.n && v.s === want.s : v === want;
        if (!ok) return `${red} reduction gave ${JSON.stringify(v)}, want ${JSON.stringify(want)}`;
        return hitsCheck(hits);
      };
      what = `${fn}(${start}, ${end}, ${red})`;
      break;
    }
    case 'region': {
      const m = int(0, 3000);
      const hits = sharedArray(Int32Array, m);
      const ws = chance(0.3) ? { nowait: true } : {};
      if (!ws.nowait) {
        if (chance(0.6)) ws.schedule = pick(['static', 'dynamic', 'guided', 'auto']);
        if (ws.schedule !== 'auto' && chance(0.4)) ws.chunk = pick([1, 5, 64]);
      }
      Object.assign(s, { c: sharedArray(Int32Array, 8), hits, start: 0, end: m, reps: int(1, 20), spin: int(0, 50), lock: pick(['', 'a', 'b']), ws });
      if (f !== undefined) f.at = int(0, Math.max(0, nThreads - 1));
      delete o.serialBelowUs;
      const fn = name('parallel');
      invoke = () => on[fn](B.region, { ...o, shared: s });
      check = () => {
        const c = s.c;
        const bad = [];
        if (c[7] !== nThreads) bad.push(`ctx.numThreads ${c[7]}, want ${nThreads}`);
        if (c[0] !== nThreads) bad.push(`${c[0]} threads arrived, want ${nThreads}`);
        if (c[1] !== 0) bad.push(`${c[1]} barrier/master/critical violations`);
        if (c[2] !== 1) bad.push(`single ran ${c[2]} times`);
        if (c[3] !== 1) bad.push(`master ran ${c[3]} times`);
        if (c[5] !== nThreads * s.reps) bad.push(`critical count ${c[5]}, want ${nThreads * s.reps}`);
        if (c[6] !== 0) bad.push('ctx.for hits wrong at the barrier');
        const h = hitsCheck(hits);
        if (h !== null) bad.push(`ctx.for ${h}`);
        return bad.length === 0 ? null : bad.join('; ');
      };
      what = `${fn}(region p=${nThreads} reps=${s.reps} ws=${JSON.stringify(ws)} m=${m})`;
      break;
    }
    case 'sections': {
      const k = int(1, SECTION_FNS.length);
      Object.assign(s, { c: sharedArray(Int32Array, k), base: int(0, 1000) });
      if (f !== undefined) f.at = int(0, k - 1);
      const fn = name('sections');
      delete o.serialBelowUs;
      invoke = () => on[fn](SECTION_FNS.slice(0, k), { ...o, shared: s });
      check = (v) => {
        if (!Array.isArray(v) || v.length !== k) return `sections gave ${JSON.stringify(v)}`;
        for (let j = 0; j < k; j++) {
          if (v[j] !== j * 7 + s.base) return `section ${j} gave ${v[j]}, want ${j * 7 + s.base}`;
          if (s.c[j] !== 1) return `section ${j} ran ${s.c[j]} times`;
        }
        return null;
      };
      what = `${fn}(${k} functions)`;
      break;
    }
    case 'map': {
      const items = Array.from({ length: Math.min(n, 5000) }, () => int(-1000, 1000));
      Object.assign(s, { add: int(0, 99) });
      if (f !== undefined) f.at = items.length > 0 ? int(0, items.length - 1) : 0;
      const fn = name('parallelMap');
      invoke = () => on[fn](items, B.map, { ...o, shared: s });
      check = (v) => {
        if (!Array.isArray(v) || v.length !== items.length) return `parallelMap gave ${Array.isArray(v) ? v.length : typeof v} results, want ${items.length}`;
        for (let j = 0; j < items.length; j++) if (v[j] !== items[j] * 3 + j + s.add) return `parallelMap item ${j} gave ${v[j]}, want ${items[j] * 3 + j + s.add}`;
        return null;
      };
      what = `${fn}(${items.length} items)`;
      break;
    }
    case 'reduceLines': {
      if (f !== undefined) f.at = int(0, TEXT_LINES - 1) * 3 + 1;
      const to = { team: useDefault ? undefined : team, blockSize: pick([64, 1000, 4096, 65536, 262144]), shared: { f, slow: 0 } };
      if (to.team === undefined) delete to.team;
      if (chance(0.4)) to.numThreads = int(1, size);
      invoke = () => reduceLines(textPath, B.lines, 'sum', to);
      check = (v) => (v === TEXT_SUM ? null : `reduceLines sum ${v}, want ${TEXT_SUM}`);
      what = `reduceLines(numThreads=${to.numThreads ?? 'team'}, blockSize=${to.blockSize})`;
      break;
    }
    case 'loadText': {
      const to = { team: useDefault ? undefined : team, blockSize: pick([64, 1000, 4096, 65536, 262144]) };
      if (to.team === undefined) delete to.team;
      if (chance(0.4)) to.numThreads = int(1, size);
      const probes = Array.from({ length: 5 }, () => int(0, TEXT_LINES - 1));
      invoke = () => loadText(textPath, to);
      check = (t) => {
        if (t.lineCount !== TEXT_LINES) return `loadText lineCount ${t.lineCount}, want ${TEXT_LINES}`;
        if (t.byteLength !== TEXT_BYTES) return `loadText byteLength ${t.byteLength}, want ${TEXT_BYTES}`;
        for (const j of probes) if (t.line(j) !== String(j * 3 + 1)) return `loadText line ${j} is ${JSON.stringify(t.line(j))}`;
        return null;
      };
      what = `loadText(numThreads=${to.numThreads ?? 'team'}, blockSize=${to.blockSize})`;
      break;
    }
    default:
      throw new Error(`unknown form ${form}`);
  }
  const optText = form === 'loadText' || form === 'reduceLines' ? '' : JSON.stringify({ ...o, signal: o.signal ? 'AbortSignal' : undefined, shared: undefined });
  const desc = `#${id} ${useDefault ? 'default team ' : ''}${what} ${optText}${fault ? ` FAULT ${fault}${f ? ` at ${f.at}` : ''}${poll ? ' (polls ctx.cancelled)' : ''}${abort ? ` abort after ${abort.delay} ms` : ''}` : ''}`;
  let bound;
  if (fault === 'endless') bound = timeout + (poll ? 0 : GRACE_MS) + SLACK_MS;
  else if (fault === 'abort') bound = SLACK_MS;
  else if (fault !== undefined) bound = BOUND_MS[fault];
  const expectErr = (err) => {
    switch (fault) {
      case 'throw':
        if (!(err instanceof RangeError) || !String(err.message).includes(`chaos fault #${id}`)) return `want the body's RangeError 'chaos fault #${id}', got ${describe(err)}`;
        if (form !== 'reduceLines' && err.code !== 'ECHAOS') return `the body's error lost its code: ${err.code}`;
        return null;
      case 'exit':
      case 'reallyExit':
      case 'oom':
        return err?.name === 'WorkerDiedError' ? null : `want WorkerDiedError, got ${describe(err)}`;
      case 'endless':
        if (err?.name !== 'TimeoutError') return `want TimeoutError, got ${describe(err)}`;
        if (!landed()) return null;
        if (!poll && err.terminated !== true) return 'a body that never polls was not terminated (err.terminated false)';
        if (poll && err.terminated !== false) return 'a body that polls ctx.cancelled was terminated (err.terminated true)';
        return null;
      case 'abort':
        return err === abort.reason ? null : `want the signal's reason, got ${describe(err)}`;
      case 'plainWrite':
        return err instanceof TypeError ? null : `want a TypeError for a write to a plain value, got ${describe(err)}`;
      default:
        return `unexpected rejection ${describe(err)}`;
    }
  };
  const landed = () => {
    if (f !== undefined) return Atomics.load(f.flag, 0) !== 0;
    if (abort !== undefined) return abort.ac.signal.aborted;
    return fault === 'plainWrite';
  };
  return { id, desc, sync, fault, form, invoke, check, expectErr, landed, bound, abort, team: useDefault ? null : team };
}

// ---- running and judging calls ---------------------------------------------------------

/** Per team: when the last fault settled (for recovery), and when its last async call settled. */
const teamState = new WeakMap();
function stateOf(team) {
  let st = teamState.get(team);
  if (st === undefined) teamState.set(team, (st = { faultAt: undefined, lastAsyncSettle: 0 }));
  return st;
}

function judge(call, ok, value, t0) {
  const now = performance.now();
  bump('calls');
  bump(call.sync ? 'sync calls' : 'async calls');
  const st = call.team ? stateOf(call.team) : undefined;
  // A queued async call starts when the one before it on the team settles.
  const began = call.sync || st === undefined ? t0 : Math.max(t0, st.lastAsyncSettle);
  if (!call.sync && st !== undefined) st.lastAsyncSettle = now;
  pending.delete(call);
  refreshWatch();
  // A loop with a timeout may run out of time before its endless index is reached (a slow
  // machine): a TimeoutError within the bound is right then too.
  const timedOut = call.fault === 'endless' && !ok && value?.name === 'TimeoutError';
  // A text call launched just before close() reaches the team after it closed.
  if (call.closing && !ok && value?.name === 'TeamClosedError' && (call.form === 'loadText' || call.form === 'reduceLines')) {
    bump('text calls refused by close');
    pass();
    return;
  }
  const landed = call.fault !== undefined && (call.landed() || timedOut);
  if (call.fault !== undefined) bump(landed ? 'faults landed' : 'faults not landed');
  if (landed && call.fault === 'abort' && ok) {
    // The abort came after the work was done: the result must be exact.
    const wrong = call.check(value);
    if (wrong !== null) fail('wrong results', `seed ${args.seed} ${call.desc}: aborted late but resolved with a wrong result: ${wrong}`);
    else pass();
    return;
  }
  if (landed && call.fault === 'plainWrite') {
    bump('landed plainWrite');
    const wrong = ok ? call.check(value) : call.expectErr(value);
    if (wrong !== null) fail(ok ? 'half-kept writes' : 'wrong errors', `seed ${args.seed} ${call.desc}: ${wrong}`);
    else pass();
    return;
  }
  if (landed) {
    bump(`landed ${call.fault}`);
    if (ok) {
      fail('wrong results', `seed ${args.seed} ${call.desc}: the fault fired but the call resolved (${JSON.stringify(value)?.slice(0, 80)})`);
      return;
    }
    const wrong = call.expectErr(value);
    if (wrong !== null) {
      fail('wrong errors', `seed ${args.seed} ${call.desc}: ${wrong}`);
      return;
    }
    const from = call.fault === 'abort' ? Math.max(began, call.abort.at ?? began) : began;
    const took = now - from;
    const prev = slowestByKind.get(call.fault) ?? 0;
    if (took > prev) slowestByKind.set(call.fault, took);
    maxTo('slowest fault settle ms', took);
    if (took > call.bound) fail('slow settles', `seed ${args.seed} ${call.desc}: settled after ${took.toFixed(0)} ms, bound ${call.bound} ms`);
    else pass();
    if (st !== undefined) st.faultAt = now;
    return;
  }
  if (!ok) {
    fail('unexpected rejections', `seed ${args.seed} ${call.desc}: rejected with ${describe(value)}`);
    return;
  }
  const wrong = call.check(value);
  if (wrong !== null) {
    fail('wrong results', `seed ${args.seed} ${call.desc}: ${wrong}`);
    return;
  }
  pass();
  if (st !== undefined && st.faultAt !== undefined) {
    maxTo('slowest recovery ms', now - st.faultAt);
    st.faultAt = undefined;
  }
}

function runSync(call) {
  if (args.verbose) console.log(`  sync  ${call.desc}`);
  pending.add(call);
  refreshWatch();
  if (call.fault !== undefined) bump('faults injected');
  if (call.abort) {
    call.abort.at = performance.now();
    call.abort.ac.abort(call.abort.reason); // a synchronous call reads its signal when it starts
  }
  const t0 = performance.now();
  let ok = true;
  let value;
  try {
    value = call.invoke();
  } catch (err) {
    ok = false;
    value = err;
  }
  judge(call, ok, value, t0);
}

function runAsync(call) {
  if (args.verbose) console.log(`  async ${call.desc}`);
  pending.add(call);
  refreshWatch();
  if (call.fault !== undefined) bump('faults injected');
  const t0 = performance.now();
  let p;
  try {
    p = call.invoke();
  } catch (err) {
    pending.delete(call);
    fail('wrong errors', `seed ${args.seed} ${call.desc}: the async form threw synchronously: ${describe(err)}`);
    return Promise.resolve();
  }
  if (call.abort && call.abort.delay >= 0) {
    setTimeout(() => {
      call.abort.at = performance.now();
      call.abort.ac.abort(call.abort.reason);
    }, call.abort.delay);
  }
  return p.then(
    (v) => judge(call, true, v, t0),
    (e) => judge(call, false, e, t0),
  );
}

async function step(what, ms, fn) {
  arm(`seed ${args.seed}: ${what}`, ms);
  try {
    await fn();
  } finally {
    disarm();
  }
}

// ---- lost errors: an unawaited failing call must be reported --------------------------

const UNAWAITED = {
  parallelFor: `team.parallelFor(0, 100, (i) => { if (i === 7) throw new Error('unawaited boom'); }, { serialBelowUs: 0 });`,
  parallelForRange: `team.parallelForRange(0, 100, (lo, hi) => { if (lo <= 7 && 7 < hi) throw new Error('unawaited boom'); }, { serialBelowUs: 0 });`,
  parallelReduce: `team.parallelReduce(0, 100, (a, i) => { if (i === 7) throw new Error('unawaited boom'); return a + i; }, 'sum', { serialBelowUs: 0 });`,
  parallelReduceRange: `team.parallelReduceRange(0, 100, (a, lo, hi) => { throw new Error('unawaited boom'); }, 'sum', { serialBelowUs: 0 });`,
  parallel: `team.parallel((s, ctx) => { if (ctx.threadId === 1) throw new Error('unawaited boom'); });`,
  sections: `team.sections([() => 1, () => { throw new Error('unawaited boom'); }]);`,
  parallelMap: `team.parallelMap([1, 2, 3, 4], (x) => { if (x === 3) throw new Error('unawaited boom'); return x; });`,
  reduceLines: `reduceLines(${JSON.stringify(textPath)}, (a, line) => { throw new Error('unawaited boom'); }, 'sum', { team });`,
  'parallelFor, worker exits': `team.parallelFor(0, 100, (i) => { if (i === 60) process.exit(5); }, { serialBelowUs: 0 });`,
};

function runChild(source) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--input-type=module', '-e', source], { stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d) => (err += d));
    child.stdout.on('data', () => {});
    const kill = setTimeout(() => child.kill('SIGKILL'), 20000);
    child.on('close', (code, signal) => {
      clearTimeout(kill);
      resolve({ code, signal, err });
    });
  });
}

async function lostErrorChecks() {
  const names = Object.keys(UNAWAITED);
  const results = [];
  // Two at a time: the machine may have few cores.
  for (let k = 0; k < names.length; k += 2) {
    const batch = names.slice(k, k + 2).map((name) =>
      runChild(`import { Team, reduceLines } from ${JSON.stringify(DIST)};
const team = new Team({ numThreads: 2 });
${UNAWAITED[name]}
setTimeout(() => {}, 3000);`).then((r) => ({ name, ...r })),
    );
    results.push(...(await Promise.all(batch)));
  }
  for (const r of results) {
    if (r.code !== 0 && r.signal === null && /unawaited boom|WorkerDiedError|exit/.test(r.err)) pass();
    else fail('lost errors', `an unawaited failing ${r.name} was not reported (exit ${r.code}${r.signal ? `, signal ${r.signal}` : ''}, no unhandledRejection)`);
  }
  return results;
}

// ---- latency: warm clean calls settle within a few milliseconds ----------------------------

/** Settle times of the probes' calls (ms), by form. */
const settleMs = { sync: [], async: [] };
const HITS = sharedArray(Int32Array, 64);

function probeBody(lo, hi, s) {
  const until = performance.now() + s.ms;
  while (performance.now() < until);
  for (let i = lo; i < hi; i++) Atomics.add(s.hits, i, 1);
}

/**
 * Warm clean calls on a team that has run this episode's calls (faults and recoveries
 * included): every worker started first, then PROBE_CALLS unmeasured and PROBE_CALLS
 * measured calls of each form, one slot per thread. Each must be exact.
 */
async function latencyProbe(team, size, tdesc) {
  await team.start({ forAsync: true, numThreads: size });
  const options = { shared: { hits: HITS, ms: PROBE_SLOT_MS }, chunk: 1, serialBelowUs: 0 };
  HITS.fill(0);
  let made = 0;
  for (const form of ['sync', 'async']) {
    for (let k = 0; k < 2 * PROBE_CALLS; k++) {
      const t0 = performance.now();
      try {
        if (form === 'sync') team.parallelForRangeSync(0, size, probeBody, options);
        else await team.parallelForRange(0, size, probeBody, options);
      } catch (err) {
        fail('unexpected rejections', `seed ${args.seed} ${tdesc}: latency probe, ${form} call rejected with ${describe(err)}`);
        return;
      }
      if (k >= PROBE_CALLS) settleMs[form].push(performance.now() - t0);
      made++;
      bump('probe calls');
    }
  }
  for (let i = 0; i < size; i++) {
    if (HITS[i] !== made) {
      fail('wrong results', `seed ${args.seed} ${tdesc}: latency probe, index ${i} ran ${HITS[i]} times in ${made} calls`);
      return;
    }
  }
  pass();
}

/** The q-quantile of xs (nearest rank). */
function quantile(xs, q) {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];
}

/** Prints each form's settle times; a p99 over LATENCY_P99_MS fails the run. */
function latencyReport() {
  const lines = [];
  for (const form of ['sync', 'async']) {
    const xs = settleMs[form];
    if (xs.length === 0) {
      lines.push(`${form}: no probe calls`);
      continue;
    }
    const p99 = quantile(xs, 0.99);
    lines.push(`${form} ${xs.length} calls: p50 ${quantile(xs, 0.5).toFixed(2)} ms, p99 ${p99.toFixed(2)} ms, max ${Math.max(...xs).toFixed(2)} ms`);
    if (!(p99 < LATENCY_P99_MS)) fail('slow clean calls', `seed ${args.seed}: the p99 settle time of warm clean ${form} calls is ${p99.toFixed(2)} ms, bound ${LATENCY_P99_MS} ms`);
    else pass();
  }
  return lines.join('; ');
}

// ---- the run -------------------------------------------------------------------------------

const CPUS = availableParallelism();
const SIZES = [1, 2, 3, 4, 2 * CPUS];
const FAULT_KINDS = ['throw', 'exit', 'reallyExit', 'oom', 'endless', 'abort', 'plainWrite'];
const deadline = args.seconds !== undefined ? performance.now() + args.seconds * 1000 : Infinity;
const callLimit = args.calls ?? Infinity;
const more = () => performance.now() < deadline && Atomics.load(FIG, F.calls) < callLimit;

function faultFor(oomTeam, p) {
  if (!chance(p)) return undefined;
  const kind = pick(FAULT_KINDS);
  if (kind === 'oom' && !oomTeam) return 'exit';
  return kind;
}

async function episode() {
  const size = pick(SIZES);
  const oomTeam = chance(0.25);
  const topts = { numThreads: size };
  if (oomTeam) topts.resourceLimits = { maxOldGenerationSizeMb: 32, maxYoungGenerationSizeMb: 8 };
  if (chance(0.3)) topts.waitPolicy = pick(['active', 'passive']);
  const team = new Team(topts);
  bump('teams');
  const tdesc = `Team(${JSON.stringify(topts)})`;
  if (args.verbose) console.log(tdesc);
  const steps = int(4, 14);
  for (let k = 0; k < steps && more(); k++) {
    const r = rand();
    if (r < 0.3) {
      const useDefault = chance(0.05);
      // The default team has no resourceLimits: an out-of-memory fault there would fill the machine.
      const call = planCall(team, size, true, faultFor(oomTeam && !useDefault, 0.3), { useDefault });
      await step(`${tdesc} sync ${call.desc}`, HANG_MS + (call.bound ?? 0), async () => runSync(call));
    } else if (r < 0.55) {
      const useDefault = chance(0.05);
      // The default team has no resourceLimits: an out-of-memory fault there would fill the machine.
      const call = planCall(team, size, false, faultFor(oomTeam && !useDefault, 0.3), { useDefault });
      await step(`${tdesc} async ${call.desc}`, HANG_MS + (call.bound ?? 0), () => runAsync(call));
    } else if (r < 0.92) {
      // Several async calls at once (they queue on the team), one of them perhaps faulty,
      // perhaps with a synchronous call made while they hold the team.
      const m = int(2, 5);
      const faultyAt = chance(0.6) ? int(0, m - 1) : -1;
      const calls = Array.from({ length: m }, (_, j) => planCall(team, size, false, j === faultyAt ? faultFor(oomTeam, 1) : undefined));
      const syncCall = chance(0.25) ? planCall(team, size, true, faultFor(oomTeam, 0.2)) : undefined;
      const bound = HANG_MS + calls.reduce((t, c) => t + (c.bound ?? 0), 0);
      const what = `${tdesc} batch [${calls.map((c) => c.desc).join(' | ')}]${syncCall ? ` + sync ${syncCall.desc}` : ''}`;
      await step(what, bound, async () => {
        const ps = calls.map(runAsync);
        refreshWatch();
        if (syncCall) runSync(syncCall);
        await Promise.all(ps);
      });
    } else {
      // close() while calls are in flight: the queued calls finish, later ones fail.
      const m = int(1, 4);
      const faultyAt = chance(0.4) ? int(0, m - 1) : -1;
      const calls = Array.from({ length: m }, (_, j) => planCall(team, size, false, j === faultyAt ? faultFor(oomTeam, 1) : undefined));
      const delay = pick([-1, 0, 1, 5, 20]);
      const what = `${tdesc} close() after ${delay} ms with [${calls.map((c) => c.desc).join(' | ')}] in flight`;
      for (const c of calls) c.closing = true;
      await step(what, HANG_MS + calls.reduce((t, c) => t + (c.bound ?? 0), 0), async () => {
        const ps = calls.map(runAsync);
        refreshWatch();
        if (delay >= 0) await new Promise((r2) => setTimeout(r2, delay));
        bump('landed close');
        const closing = team.close();
        const late = planCall(team, size, false, undefined, { form: 'for' });
        const lateRun = late.invoke().then(
          () => fail('wrong results', `seed ${args.seed} ${what}: a call made after close() resolved`),
          (e) => (e?.name === 'TeamClosedError' ? pass() : fail('wrong errors', `seed ${args.seed} ${what}: a call after close() rejected with ${describe(e)}, want TeamClosedError`)),
        );
        try {
          planCall(team, size, true, undefined, { form: 'reduce' }).invoke();
          fail('wrong results', `seed ${args.seed} ${what}: a sync call after close() returned`);
        } catch (e) {
          if (e?.name === 'TeamClosedError') pass();
          else fail('wrong errors', `seed ${args.seed} ${what}: a sync call after close() threw ${describe(e)}, want TeamClosedError`);
        }
        await Promise.all([...ps, lateRun, closing]);
      });
      return;
    }
  }
  await step(`${tdesc} latency probe`, HANG_MS, () => latencyProbe(team, size, tdesc));
  await step(`${tdesc} close() at the end of its steps`, HANG_MS, () => team.close());
}

const tStart = performance.now();
let lost = [];
try {
  await step('unawaited-rejection checks in child processes', 120000, async () => {
    lost = await lostErrorChecks();
  });
  console.log(`unawaited failing calls reported: ${lost.filter((r) => r.code !== 0).length} of ${lost.length}`);
  while (more()) await episode();
  await step('close() of the default team', HANG_MS, () => parafor.getDefaultTeam().close());
} finally {
  rmSync(dir, { recursive: true, force: true });
}
Atomics.store(WD, 1, 1);
Atomics.notify(WD, 1);

// ---- figures ---------------------------------------------------------------------------------

const seconds = (performance.now() - tStart) / 1000;
const fig = (name) => Atomics.load(FIG, F[name]);
console.log(`\nchaos figures (seed ${args.seed}, ${seconds.toFixed(1)} s, ${CPUS} cpus, node ${process.version}):`);
console.log(`  calls ${fig('calls')} (sync ${fig('sync calls')}, async ${fig('async calls')}) on ${fig('teams')} teams`);
console.log(
  `  faults injected ${fig('faults injected')}, landed ${fig('faults landed')}, not landed ${fig('faults not landed')} (checked exact); landed by kind: ` +
    ['throw', 'exit', 'reallyExit', 'oom', 'endless', 'abort', 'plainWrite', 'close'].map((k) => `${k} ${fig(`landed ${k}`)}`).join(', '),
);
console.log(`  wrong results ${fig('wrong results')}, wrong errors ${fig('wrong errors')}, unexpected rejections ${fig('unexpected rejections')}, half-kept writes ${fig('half-kept writes')}`);
console.log(`  close() in flight ${fig('landed close')} times; text calls that reached the team after close() ${fig('text calls refused by close')}`);
console.log(`  hangs ${fig('hangs')}, lost errors ${fig('lost errors')}, slow settles ${fig('slow settles')} (bounds: ${JSON.stringify(BOUND_MS)}, endless: timeout + ${GRACE_MS} + ${SLACK_MS}, abort: ${SLACK_MS} ms)`);
console.log(`  slowest fault settle ${fig('slowest fault settle ms')} ms (${[...slowestByKind].map(([k, v]) => `${k} ${v.toFixed(0)}`).join(', ')}), slowest recovery ${fig('slowest recovery ms')} ms`);
console.log(`  clean call settle times (latency probe, bound p99 < ${LATENCY_P99_MS} ms): ${latencyReport()}; slow clean calls ${fig('slow clean calls')}`);
const nFail = fig('checks failed');
if (failures.length > 40) console.log(`  (${failures.length - 40} more failures not printed)`);
console.log(`${fig('checks passed')} passed, ${nFail} failed`);
console.log(nFail === 0 ? `chaos: OK, seed ${args.seed}` : `chaos: FAILED, seed ${args.seed} (rerun: npm run chaos -- --seed ${args.seed})`);
process.exitCode = nFail === 0 ? 0 : 1;
