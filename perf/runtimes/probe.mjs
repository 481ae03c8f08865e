/**
 * The headline set, run under one runtime (Node, Bun or Deno) against the built dist/: the
 * overhead of an empty parallel loop, and the speedup over a serial loop of a sqrt sum and
 * of a Mandelbrot count, both at every thread. Each parallel answer is checked against the
 * serial one. The cases run in turn, round after round (paired), and each ratio is the
 * median of the ratios within a round.
 *
 *   <runtime> perf/runtimes/probe.mjs [--quick]
 *
 * Prints one JSON line on stdout.
 */
import { availableParallelism } from 'node:os';
import { Team, sharedArray } from '../../dist/index.js';

const quick = process.argv.includes('--quick');
const cores = availableParallelism();
const rounds = quick ? 7 : 15;
const N = quick ? 10_000_000 : 40_000_000;
const SIDE = quick ? 600 : 1200;
const ITER = 200;

function median(v) {
  const s = [...v].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

const sqrtBody = (acc, lo, hi) => {
  for (let i = lo; i < hi; i++) acc += Math.sqrt(i);
  return acc;
};

/** Points of row band [lo, hi) of a side x side grid inside the Mandelbrot set (an exact count). */
const mandelBody = (acc, lo, hi, s) => {
  const side = s.side;
  for (let y = lo; y < hi; y++) {
    const ci = (2 * y) / side - 1;
    for (let x = 0; x < side; x++) {
      const cr = (2 * x) / side - 1.5;
      let zr = 0;
      let zi = 0;
      let k = 0;
      while (k < s.iter && zr * zr + zi * zi <= 4) {
        const t = zr * zr - zi * zi + cr;
        zi = 2 * zr * zi + ci;
        zr = t;
        k++;
      }
      if (k === s.iter) acc++;
    }
  }
  return acc;
};

const team = new Team({ numThreads: cores });
await team.start();
const one = { numThreads: 1, serialBelowUs: 0 };
const all = { serialBelowUs: 0 };
const mandelShared = { side: SIDE, iter: ITER };
const hits = sharedArray(Int32Array, 1);

function time(fn) {
  const t0 = performance.now();
  const r = fn();
  return [performance.now() - t0, r];
}

// Warm-up: every body compiled on every thread, and the serial answers.
const sqrtSerial = sqrtBody(0, 0, N);
const mandelSerial = mandelBody(0, 0, SIDE, mandelShared);
team.parallelReduceRangeSync(0, N, sqrtBody, 'sum', all);
team.parallelReduceRangeSync(0, SIDE, mandelBody, 'sum', { ...all, shared: mandelShared, schedule: 'dynamic', chunk: 4 });

const emptyUs = [];
const sqrtRatio = [];
const mandelRatio = [];
let mismatch = '';
for (let r = 0; r < rounds; r++) {
  const reps = 200;
  const t0 = performance.now();
  for (let k = 0; k < reps; k++) team.parallelForSync(0, cores, (i, s) => void Atomics.add(s.hits, 0, 0), { ...all, shared: { hits } });
  emptyUs.push(((performance.now() - t0) * 1000) / reps);

  const [ts] = time(() => team.parallelReduceRangeSync(0, N, sqrtBody, 'sum', one));
  const [tp, sum] = time(() => team.parallelReduceRangeSync(0, N, sqrtBody, 'sum', all));
  if (Math.abs(sum - sqrtSerial) > 1e-9 * sqrtSerial) mismatch = `sqrt sum ${sum} != ${sqrtSerial}`;
  sqrtRatio.push(ts / tp);

  const [ms] = time(() => team.parallelReduceRangeSync(0, SIDE, mandelBody, 'sum', { ...one, shared: mandelShared }));
  const [mp, count] = time(() => team.parallelReduceRangeSync(0, SIDE, mandelBody, 'sum', { ...all, shared: mandelShared, schedule: 'dynamic', chunk: 4 }));
  if (count !== mandelSerial) mismatch = `Mandelbrot count ${count} != ${mandelSerial}`;
  mandelRatio.push(ms / mp);
}
await team.close();

const round3 = (x) => Math.round(x * 1000) / 1000;
const range = (v) => [round3(Math.min(...v)), round3(Math.max(...v))];
const runtime = globalThis.Deno ? `Deno ${globalThis.Deno.version.deno}` : globalThis.Bun ? `Bun ${globalThis.Bun.version}` : `Node ${process.version}`;
process.stdout.write(
  `${JSON.stringify({
    runtime,
    threads: cores,
    rounds,
    sizes: { sqrtN: N, mandelbrotSide: SIDE, mandelbrotIter: ITER },
    emptyRegionUs: { median: round3(median(emptyUs)), range: range(emptyUs) },
    sqrtSpeedup: { median: round3(median(sqrtRatio)), range: range(sqrtRatio) },
    mandelbrotSpeedup: { median: round3(median(mandelRatio)), range: range(mandelRatio) },
    mismatch: mismatch || undefined,
  })}\n`,
);
