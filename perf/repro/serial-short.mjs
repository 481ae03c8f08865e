// The serial fallback's two forms, side by side in one process. A team of 2 runs a small reduction serially: its 2 static blocks in order.
//   short: the common case (run/slot.ts, runSerialBlocks): one runner call per block.
//   slots: the full form, which a timeout, a custom reducer or a static `chunk` needs: a
//     region descriptor, runSlot and the chunk loop of a parallel slot, pieces.
// Both do the same work here: `dynamic` reductions run serially as static blocks (short),
// and a static chunk of n/2 deals the same two blocks (slots), so the only difference is
// the path. A generic plain call (the body on one of two objects in turn) is the yardstick.
//   node perf/repro/serial-short.mjs [n ...]
import { Team } from 'parafor';
import { timeInTurn } from '../lib/util.mjs';

const sizes = process.argv.length > 2 ? process.argv.slice(2).map(Number) : [100, 1000, 3000];
const team = new Team({ numThreads: 2 });
const a = new Float64Array(new SharedArrayBuffer(8 * 100_000));
for (let i = 0; i < a.length; i++) a[i] = (i % 13) + 0.25;
const s = { a };
const pair = [{ a }, { a }];
function sumRange(acc, lo, hi, sh) {
  const x = sh.a;
  for (let i = lo; i < hi; i++) acc += x[i];
  return acc;
}
function sumAt(acc, i, sh) {
  return acc + sh.a[i];
}
let turn = 0;
for (const n of sizes) {
  const half = Math.ceil(n / 2);
  const short = { shared: s, schedule: 'dynamic', chunk: half, serialBelowUs: 1e6 };
  const slots = { shared: s, schedule: 'static', chunk: half, serialBelowUs: 1e6 };
  const cases = {
    generic: () => sumRange(0, 0, n, pair[turn++ & 1]),
    'range short': () => team.parallelReduceRangeSync(0, n, sumRange, 'sum', short),
    'range slots': () => team.parallelReduceRangeSync(0, n, sumRange, 'sum', slots),
    'per-index short': () => team.parallelReduceSync(0, n, sumAt, 'sum', short),
    'per-index slots': () => team.parallelReduceSync(0, n, sumAt, 'sum', slots),
  };
  const want = sumRange(0, 0, half, s) + sumRange(0, half, n, s);
  for (const [name, f] of Object.entries(cases)) {
    if (name !== 'generic' && f() !== want) throw new Error(`${name}: ${f()} !== ${want}`);
    for (let k = 0; k < 3000; k++) f();
  }
  const m = timeInTurn(cases, { reps: Math.max(200, Math.round(1e6 / n)) });
  console.log(`n=${n}: ${Object.entries(m).map(([k, v]) => `${k} ${v.toFixed(3)} us`).join(', ')}`);
  console.log(`  over the generic call: range short +${(m['range short'] - m.generic).toFixed(3)} us, slots +${(m['range slots'] - m.generic).toFixed(3)} us`);
}
await team.close();
