import { Team } from 'parafor';
const team = new Team({ numThreads: 2 });
await team.start();
const a = new Float64Array(new SharedArrayBuffer(8 * 30000)); for (let i = 0; i < a.length; i++) a[i] = i % 13;
const s = { a };
function sumRange(acc, lo, hi, s) { const a = s.a; for (let i = lo; i < hi; i++) acc += a[i]; return acc; }
function sumRangeInt(acc, lo, hi, s) { lo |= 0; hi |= 0; const a = s.a; for (let i = lo; i < hi; i++) acc += a[i]; return acc; }
for (const [name, f] of [['plain', () => sumRange(0, 0, 30000, s)], ['parafor', () => team.parallelReduceRangeSync(0, 30000, sumRange, 'sum', { shared: s })], ['parafor |0', () => team.parallelReduceRangeSync(0, 30000, sumRangeInt, 'sum', { shared: s })]]) {
  for (let k = 0; k < 2000; k++) f();
  const t0 = performance.now(); for (let k = 0; k < 5000; k++) f();
  console.log(name, ((performance.now() - t0) * 1000 / 5000).toFixed(2), 'us');
}
await team.close();
