// Why parafor hands range bodies int32 bounds: a body whose lo/hi are doubles (as read from
// a Float64Array) gets a float induction variable from V8, several times slower, more with
// array indexing.
//   node perf/repro/double-bounds.mjs
// Part 1 needs no parafor: the same body, called with Smi bounds and with bounds read from a
// Float64Array. Part 2: parafor at 2 threads, the plain body against the same body with
// `lo |= 0; hi |= 0` first.
import { Team } from 'parafor';

const make = (src) => new Function(`return ${src}`)();
const SRC = 'function sqrtSum(acc, lo, hi) { for (let i = lo; i < hi; i++) acc += Math.sqrt(i); return acc; }';
const f64 = new Float64Array([0, 5e7]);
const smiBody = make(SRC);
const f64Body = make(SRC);
for (let r = 0; r < 3; r++) {
  let t0 = performance.now();
  smiBody(0, 0, 5e7);
  const a = performance.now() - t0;
  t0 = performance.now();
  f64Body(0, f64[0], f64[1]);
  const b = performance.now() - t0;
  console.log(`part 1: Smi bounds ${a.toFixed(0)} ms, bounds from a Float64Array ${b.toFixed(0)} ms (x${(b / a).toFixed(2)})`);
}

const team = new Team({ numThreads: 2 });
await team.start();
const a = new Float64Array(new SharedArrayBuffer(8 * 30000)).fill(1);
function sumRange(acc, lo, hi, s) {
  const x = s.a;
  for (let i = lo; i < hi; i++) acc += x[i];
  return acc;
}
function sumRangeInt(acc, lo, hi, s) {
  lo |= 0;
  hi |= 0;
  const x = s.a;
  for (let i = lo; i < hi; i++) acc += x[i];
  return acc;
}
for (const [name, f] of [
  ['plain serial call', () => sumRange(0, 0, 30000, { a })],
  ['parafor, plain body', () => team.parallelReduceRangeSync(0, 30000, sumRange, 'sum', { shared: { a } })],
  ['parafor, lo |= 0 body', () => team.parallelReduceRangeSync(0, 30000, sumRangeInt, 'sum', { shared: { a } })],
]) {
  for (let k = 0; k < 2000; k++) f();
  const t0 = performance.now();
  for (let k = 0; k < 5000; k++) f();
  console.log(`part 2: ${name}: ${(((performance.now() - t0) * 1000) / 5000).toFixed(1)} us per call (sum of 30000 doubles)`);
}
await team.close();
