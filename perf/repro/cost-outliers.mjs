// How often a tiny loop that the serial
// fallback should always run on the calling thread goes to the team instead. Each call is a
// 10-iteration loop (about 0.2 us); the body counts the calls that ran with more than one
// thread. The cost model holds back an outlier sample until the next call confirms it;
// without that, one GC pause or descheduling inside a timed call sends the next calls to
// the team.
//   node perf/repro/cost-outliers.mjs [path/to/dist/index.js]
import { pathToFileURL } from 'node:url';

const { Team } = await import(process.argv[2] ? pathToFileURL(process.argv[2]).href : 'parafor');
const team = new Team({ numThreads: 2 });
await team.start();
const s = { a: new Float64Array(new SharedArrayBuffer(8 * 16)), par: new Int32Array(new SharedArrayBuffer(4)) };
function add(lo, hi, sh, ctx) {
  if (ctx.numThreads > 1) Atomics.add(sh.par, 0, 1);
  const a = sh.a;
  for (let i = lo; i < hi; i++) a[i] += 1;
}
const N = 1_000_000;
const t0 = performance.now();
for (let k = 0; k < N; k++) team.parallelForRangeSync(0, 10, add, { shared: s });
const us = ((performance.now() - t0) * 1000) / N;
// A region on the team runs 2 slots, each counted.
console.log(`${N} calls of a 10-iteration loop: ${us.toFixed(3)} us per call, ${s.par[0] / 2} ran on the team`);
await team.close();
