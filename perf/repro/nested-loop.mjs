// The same 3000-element sum
// (L1-resident, about 1 ns per element) called as a plain function, through a runner like
// parafor's from a function with no loop, and through the same runner from a chunk loop that
// runs once. The first two come out faster, but not because of the loop: `s` is a module
// constant here, and where V8 inlines everything into the timed closure it compiles the sum
// for that very array (address and length as constants, `node --print-opt-code`); the chunk
// loop case gets the generic typed-array loop that every parafor body gets.
// perf/repro/constant-array.mjs measures that directly. Run it a few times.
//   node perf/repro/nested-loop.mjs
const N = 3000;
const a = new Float64Array(new SharedArrayBuffer(8 * N));
for (let i = 0; i < N; i++) a[i] = i % 13;
const s = { a };
function sumRange(acc, lo, hi, s) {
  const a = s.a;
  for (let i = lo; i < hi; i++) acc += a[i];
  return acc;
}
// As parafor builds them (lib/run/body.ts): the body compiled from its source, a runner around it.
const body = new Function('parafor', `"use strict"; return (${sumRange.toString()}\n);`)({});
const run = new Function('body', '"use strict"; return function run(acc, lo, hi, shared, ctx, fault) { fault.index = lo; return body(acc, lo, hi, shared, ctx); };')(body);
const fault = { index: 0 };
function chunkLoop(run, acc, n, s, fault) {
  for (let lo = 0; lo < n; lo += n) acc = run(acc, lo | 0, Math.min(n, lo + n) | 0, s, null, fault);
  return acc;
}
function oneCall(run, acc, n, s, fault) {
  return run(acc, 0, n | 0, s, null, fault);
}
const cases = {
  'plain function': () => sumRange(0, 0, N, s),
  'runner, called outside any loop': () => oneCall(run, 0, N, s, fault),
  'runner, called from a chunk loop (one pass)': () => chunkLoop(run, 0, N, s, fault),
};
for (let rep = 0; rep < 3; rep++) {
  const row = [];
  for (const [name, f] of Object.entries(cases)) {
    for (let k = 0; k < 2000; k++) f();
    const t0 = performance.now();
    for (let k = 0; k < 20000; k++) f();
    row.push(`${name} ${(((performance.now() - t0) * 1000) / 20000).toFixed(2)} us`);
  }
  if (rep === 2) console.log(row.join('; '));
}
