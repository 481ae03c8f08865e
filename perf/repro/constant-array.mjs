// Why a small loop's ratio to "the plain call" moves from process to process. One function, a sum over a
// Float64Array (about 1 ns an element), called four ways, in turn, in one process:
//   constant: sumRange(0, 0, n, s) on one unchanging object. V8 inlines it into the calling
//     closure and compiles the loop for that very array (address and length as constants:
//     8 instructions an element, `node --print-opt-code`).
//   generic: the same call on one of two objects holding the same array, in turn: the loop V8
//     compiles for any Float64Array (a map check and three field loads an element: 15
//     instructions). This is the loop every parafor body gets, and any library function.
//   parafor: the serial fallback (a team of 2 runs its 2 static blocks in order), and
//   parafor forced serial.
// On this VM the 15-instruction loop runs at the speed of the 8 in some processes and up to
// 1.6x slower in others (all copies of it together: the machine's state, not code placement).
// Run it a few times; `node --no-turbo-inlining` makes "constant" generic too.
//   node perf/repro/constant-array.mjs [n] [path/to/dist/index.js]
import { pathToFileURL } from 'node:url';
import { timeInTurn } from '../lib/util.mjs';

const n = Number(process.argv[2] ?? 3000);
const { Team } = await import(process.argv[3] ? pathToFileURL(process.argv[3]).href : 'parafor');
const team = new Team({ numThreads: 2 });
const a = new Float64Array(new SharedArrayBuffer(8 * 100_000));
for (let i = 0; i < a.length; i++) a[i] = i % 13;
const s = { a };
const pair = [{ a }, { a }];
function sumRange(acc, lo, hi, sh) {
  const x = sh.a;
  for (let i = lo; i < hi; i++) acc += x[i];
  return acc;
}
let turn = 0;
const cases = {
  constant: () => sumRange(0, 0, n, s),
  generic: () => sumRange(0, 0, n, pair[turn++ & 1]),
  parafor: () => team.parallelReduceRangeSync(0, n, sumRange, 'sum', { shared: s }),
  'parafor serial': () => team.parallelReduceRangeSync(0, n, sumRange, 'sum', { shared: s, serialBelowUs: 1e6 }),
};
for (const f of Object.values(cases)) for (let k = 0; k < 300; k++) f();
const m = Object.values(timeInTurn(cases, { rounds: 30, reps: Math.max(500, Math.round(1e6 / n)) }));
console.log(`n=${n}: ${Object.keys(cases).map((k, j) => `${k} ${m[j].toFixed(3)} us`).join(', ')}`);
console.log(`parafor / constant ${(m[2] / m[0]).toFixed(2)}, parafor / generic ${(m[2] / m[1]).toFixed(2)}, generic / constant ${(m[1] / m[0]).toFixed(2)}`);
await team.close();
