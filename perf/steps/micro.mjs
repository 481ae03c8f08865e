/**
 * Step "micro": overheads with benchmark.js, two ways. Plain: a loop of empty constructs
 * (an empty `parallelForSync`, an empty `parallelReduceSync`), against libgomp's loop of
 * empty `parallel for` and `parallel for reduction` (perf/native/kernels.c): the anchor
 * of the fork/join's cost. EPCC-style: each construct runs a body that spins a fixed delay
 * once per thread; its overhead is (construct with delay) - (delay alone), which cancels the
 * delay only when the threads' delays overlap, so it drifts on a loaded machine. Medians of
 * benchmark.js samples, median over several repetitions. The C program's numbers are taken
 * in the same step, thread count by thread count, so JS/C ratios come from one run.
 *
 * Also: small loops (serial time of a few microseconds) against the plain serial loop, and
 * the wake-up of a team that has gone to sleep after an idle gap.
 *
 *   node perf/steps/micro.mjs [--reps=5] [--maxTime=0.3] [--threads=1,2,4] [--native=DIR]
 */
import { execFileSync } from 'node:child_process';
import { availableParallelism } from 'node:os';
import Benchmark from 'benchmark';
import { Team } from 'parafor';
import { median, parseArgs, progress, round, sab, sleep } from '../lib/util.mjs';

const args = parseArgs();
const reps = Number(args.reps ?? 5);
const maxTime = Number(args.maxTime ?? 0.3);
const threads = String(args.threads ?? '1,2,4').split(',').map(Number);
const nativeDir = args.native && args.native !== true ? String(args.native) : undefined;
const cores = availableParallelism();
/** Smoke run: fewer samples, fewer loop sizes, the C program with short inner loops. */
const quick = Boolean(args.quick);

// The EPCC delay: about 0.1 us of dependent float adds. Bodies cannot capture: the sink is in `shared`.
function delayBody(i, s) {
  let a = 0;
  for (let k = 0; k < 100; k++) a += k * 0.5;
  if (a < 0) s.sink[0] = a;
}
function delayFold(acc, i, s) {
  let a = 0;
  for (let k = 0; k < 100; k++) a += k * 0.5;
  if (a < 0) s.sink[0] = a;
  return acc + 1;
}
function emptyBody() {}
function emptyFold(acc) {
  return acc + 1;
}
/** The small-loop body: a sum over a slice of a shared Float64Array. */
function sumRange(acc, lo, hi, s) {
  const a = s.a;
  for (let i = lo; i < hi; i++) acc += a[i];
  return acc;
}

const shared = { sink: sab(Float64Array, 1) };
const noFallback = { shared, serialBelowUs: 0 };

/** Runs one benchmark.js benchmark; the median of its samples, in microseconds. */
function bench(name, fnOrOptions) {
  const options = typeof fnOrOptions === 'function' ? { fn: fnOrOptions } : fnOrOptions;
  return new Promise((resolve, reject) => {
    const b = new Benchmark(name, { maxTime, minSamples: 5, ...options });
    b.on('complete', () => (b.error ? reject(b.error) : resolve(median(b.stats.sample) * 1e6)));
    b.on('error', () => reject(b.error));
    b.run({ async: true });
  });
}

/** Median (and range) over `reps` benchmark.js runs. */
async function repeated(name, fnOrOptions, n = reps) {
  const v = [];
  for (let r = 0; r < n; r++) v.push(await bench(name, fnOrOptions));
  return { us: round(median(v), 4), min: round(Math.min(...v), 4), max: round(Math.max(...v), 4) };
}

function cEpcc(t, policy) {
  if (!nativeDir) return undefined;
  const env = { ...process.env, OMP_WAIT_POLICY: policy ?? '' };
  if (!policy) delete env.OMP_WAIT_POLICY;
  const runs = [];
  for (let r = 0; r < Math.max(1, Math.min(reps, 3)); r++) {
    // Oversubscribed libgomp spins (~100 us a region): fewer inner repetitions keep that step short.
    const inner = quick ? 100 : t > cores ? 200 : 1000;
    runs.push(JSON.parse(execFileSync(`${nativeDir}/kernels-omp`, ['epcc', String(t), quick ? '5' : '21', String(inner)], { encoding: 'utf8', env }).trim()));
  }
  const out = { ...runs[0] };
  for (const key of Object.keys(out)) if (typeof out[key] === 'number' && key !== 'threads') out[key] = round(median(runs.map((r) => r[key])), 4);
  return out;
}

async function overheads(t) {
  const team = new Team({ numThreads: t });
  await team.start({ forAsync: true });
  const passive = new Team({ numThreads: t, waitPolicy: 'passive' });
  await passive.start({ forAsync: true });
  const s = shared;
  const r = { threads: t };
  r.delay = await repeated('delay', () => delayBody(0, s));
  r.delayAsync = await repeated('delay async', {
    defer: true,
    fn: (d) => {
      Promise.resolve().then(() => {
        delayBody(0, s);
        d.resolve();
      });
    },
  });
  r.parallelForSyncRaw = await repeated('parallelForSync raw', () => team.parallelForSync(0, t, delayBody, noFallback));
  r.emptyParallelForSync = await repeated('empty parallelForSync', () => team.parallelForSync(0, t, emptyBody, { serialBelowUs: 0 }));
  r.emptyParallelReduceSync = await repeated('empty parallelReduceSync', () => team.parallelReduceSync(0, t, emptyFold, 'sum', { serialBelowUs: 0 }));
  r.parallelForAsyncRaw = await repeated('parallelFor raw', {
    defer: true,
    fn: (d) => {
      team.parallelFor(0, t, delayBody, noFallback).then(() => d.resolve());
    },
  });
  r.parallelReduceSyncRaw = await repeated('parallelReduceSync raw', () => team.parallelReduceSync(0, t, delayFold, 'sum', noFallback));
  r.dynamic1x1024 = await repeated('dynamic,1 x 1024', () =>
    team.parallelForSync(0, 1024, emptyBody, { schedule: 'dynamic', chunk: 1, serialBelowUs: 0 }),
  );
  r.static1024 = await repeated('static x 1024', () => team.parallelForSync(0, 1024, emptyBody, { serialBelowUs: 0 }));
  r.passiveRaw = await repeated('passive parallelForSync raw', () => passive.parallelForSync(0, t, delayBody, noFallback), Math.min(reps, 3));
  // EPCC overheads: construct minus delay.
  r.parallelForSync = round(r.parallelForSyncRaw.us - r.delay.us, 4);
  r.parallelForAsync = round(r.parallelForAsyncRaw.us - r.delayAsync.us, 4);
  r.parallelReduceSync = round(r.parallelReduceSyncRaw.us - r.delay.us, 4);
  r.passiveWake = round(r.passiveRaw.us - r.delay.us, 4);
  r.dynamicPerGrab = round((r.dynamic1x1024.us - r.static1024.us) / (1024 / t), 4);
  // Wake-up after an idle gap longer than the spin window (default policy).
  // The reference is the same serial call after the same sleep (a sleeping thread's caches and clock are cold too).
  const gaps = [];
  const refs = [];
  for (let k = 0; k < (quick ? 5 : 30); k++) {
    await sleep(5);
    let t0 = performance.now();
    team.parallelForSync(0, t, delayBody, noFallback);
    gaps.push((performance.now() - t0) * 1000);
    await sleep(5);
    t0 = performance.now();
    for (let i = 0; i < t; i++) delayBody(i, s);
    refs.push((performance.now() - t0) * 1000);
  }
  r.gapReference = round(median(refs), 3);
  r.wakeAfter5msGap = round(median(gaps) - median(refs), 3);
  await team.close();
  await passive.close();
  r.c = cEpcc(t);
  r.cPassive = cEpcc(t, 'passive');
  return r;
}

/**
 * Loops with a serial time of a few microseconds, default options, warm team: parafor against
 * two plain calls of the same function. "serial" calls it on one `shared` object that never
 * changes: V8 inlines it into the benchmark's closure and compiles the loop for that very
 * array (its address and length become constants: 8 instructions an element instead of 15).
 * "generic" calls it on one of two objects holding the same array, in turn, as a library
 * function gets its arrays: the loop V8 compiles for any Float64Array, which is the loop a
 * parafor body gets. Depending on the machine's state the 15-instruction loop runs as fast as
 * the 8 or slower (perf/repro/constant-array.mjs). The three are measured in turn,
 * round after round (benchmark.js, short rounds), so a change of that state hits all three.
 */
async function smallLoops() {
  const team = new Team({ numThreads: cores });
  await team.start();
  const a = sab(Float64Array, 100_000);
  for (let i = 0; i < a.length; i++) a[i] = i % 13;
  const s = { a };
  const pair = [{ a }, { a }];
  let turn = 0;
  const out = [];
  const rounds = quick ? 2 : Math.max(5, reps * 2 + 1);
  const roundTime = quick ? maxTime : Math.min(maxTime, 0.1);
  for (const n of quick ? [1000, 30_000] : [100, 1000, 3000, 10_000, 30_000]) {
    const cases = {
      serial: () => sumRange(0, 0, n, s),
      generic: () => sumRange(0, 0, n, pair[turn++ & 1]),
      parafor: () => team.parallelReduceRangeSync(0, n, sumRange, 'sum', { shared: s }),
    };
    // Warm the cost model and the JIT; then compare.
    for (let k = 0; k < 200; k++) for (const f of Object.values(cases)) f();
    const want = sumRange(0, 0, n, s);
    const got = cases.parafor();
    const samples = { serial: [], generic: [], parafor: [] };
    for (let r = 0; r < rounds; r++) {
      for (const [name, fn] of Object.entries(cases)) samples[name].push(await bench(`${name} sum ${n}`, { fn, maxTime: roundTime, minSamples: 3 }));
    }
    const us = (v) => round(median(v), 4);
    const row = { n, serialUs: us(samples.serial), genericUs: us(samples.generic), paraforUs: us(samples.parafor), rounds, checksumOk: want === got };
    row.ratio = round(row.paraforUs / row.serialUs, 3);
    row.genericRatio = round(row.paraforUs / row.genericUs, 3);
    out.push(row);
    progress('micro', `small loop n=${n}: serial ${row.serialUs} us, generic ${row.genericUs} us, parafor ${row.paraforUs} us (x${round(row.ratio, 2)}; x${round(row.genericRatio, 2)} of generic)`);
  }
  await team.close();
  return out;
}

const result = { reps, maxTime, threads, overheads: [], smallLoops: [] };
for (const t of threads) {
  progress('micro', `overheads at T=${t}`);
  const r = await overheads(t);
  result.overheads.push(r);
  progress(
    'micro',
    `T=${t}: empty parallelForSync ${r.emptyParallelForSync.us} us (C empty parallel for ${r.c?.emptyParallelForUs ?? '-'}), ` +
      `empty parallelReduceSync ${r.emptyParallelReduceSync.us} us (C ${r.c?.emptyReductionUs ?? '-'}); EPCC: ` +
      `parallelForSync ${r.parallelForSync} us (C parallel for ${r.c?.parallelForUs ?? '-'}), parallelFor ${r.parallelForAsync} us, ` +
      `reduce ${r.parallelReduceSync} us (C ${r.c?.reductionUs ?? '-'}), dynamic grab ${r.dynamicPerGrab} us, passive wake ${r.passiveWake} us (C ${r.cPassive?.parallelForUs ?? '-'})`,
  );
}
result.smallLoops = await smallLoops();
process.stdout.write(`${JSON.stringify(result)}\n`);
process.exitCode = result.smallLoops.every((x) => x.checksumOk) ? 0 : 1;
