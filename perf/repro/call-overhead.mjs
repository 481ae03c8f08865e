// The fixed cost of a call. A one-thread team
// always runs serially, so this is validation, the `shared` snapshot, bookkeeping and
// allocation, nothing else. Run with --cpu-prof to see where it goes.
//   node perf/repro/call-overhead.mjs
import { Team } from 'parafor';

const team = new Team({ numThreads: 1 });
await team.start();
const s = { a: new Float64Array(new SharedArrayBuffer(8 * 16)) };
function sumRange(acc, lo, hi, sh) {
  const a = sh.a;
  for (let i = lo; i < hi; i++) acc += a[i];
  return acc;
}
function add(lo, hi, sh) {
  const a = sh.a;
  for (let i = lo; i < hi; i++) a[i] += 1;
}
const N = 300_000;
for (const [name, f] of [
  ['plain call of the body (10 iterations)', () => sumRange(0, 0, 10, s)],
  ['parallelReduceRangeSync, same body and shared', () => team.parallelReduceRangeSync(0, 10, sumRange, 'sum', { shared: s })],
  ['parallelForRangeSync, same body and shared', () => team.parallelForRangeSync(0, 10, add, { shared: s })],
  ['parallelForRangeSync, a fresh arrow each call', () => team.parallelForRangeSync(0, 10, () => {})],
]) {
  for (let k = 0; k < 10_000; k++) f();
  const t0 = performance.now();
  for (let k = 0; k < N; k++) f();
  console.log(`${name}: ${(((performance.now() - t0) * 1000) / N).toFixed(3)} us per call`);
}
await team.close();
