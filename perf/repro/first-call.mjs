// The first parafor call in a process pays for V8 compiling parafor's own call path (it
// compiles each function lazily, on first use): a 100-iteration loop's first call against its
// second, and against a first call made after another body already ran (only the new body's
// registration is left then). Compare with `node --no-lazy perf/repro/first-call.mjs`,
// which compiles everything at load (so the import pays instead).
//   node perf/repro/first-call.mjs
import { Team } from 'parafor';

const s = { a: new Float64Array(new SharedArrayBuffer(800)) };
function body(lo, hi, sh) {
  for (let i = lo; i < hi; i++) sh.a[i] += 1;
}
function other(lo, hi, sh) {
  for (let i = lo; i < hi; i++) sh.a[i] += 2;
}
const team = new Team();
const t0 = performance.now();
team.parallelForRangeSync(0, 100, body, { shared: s });
const t1 = performance.now();
team.parallelForRangeSync(0, 100, body, { shared: s });
const t2 = performance.now();
team.parallelForRangeSync(0, 100, other, { shared: s });
const t3 = performance.now();
console.log(`first call ${(t1 - t0).toFixed(2)} ms, second ${(t2 - t1).toFixed(2)} ms, first call of another body ${(t3 - t2).toFixed(2)} ms`);
await team.close();
