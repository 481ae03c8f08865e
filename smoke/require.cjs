// CommonJS users: require('parafor') loads the ES module (require(esm), Node 20.19 and later)
// and its loops run. Prints "N passed, N failed"; exits 1 on a failure.
const parafor = require('parafor');

let passed = 0;
let failed = 0;
function check(name, ok) {
  if (ok) passed++;
  else failed++;
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${name}`);
}

const names = ['parallelFor', 'parallelForSync', 'parallelReduceSync', 'parallel', 'sections', 'parallelMap', 'loadText', 'reduceLines', 'Team', 'sharedArray'];
check('the public names', names.every((n) => typeof parafor[n] === 'function'));
const xs = parafor.sharedArray(Float64Array, 1000);
parafor.parallelForSync(0, 1000, (i, s) => {
  s.xs[i] = i;
}, { shared: { xs }, serialBelowUs: 0 });
check('parallelForSync', xs.every((x, i) => x === i));
check('parallelReduceSync', parafor.parallelReduceSync(0, 1000, (a, i, s) => a + s.xs[i], 'sum', { shared: { xs }, serialBelowUs: 0 }) === 499500);
console.log(`${passed} passed, ${failed} failed`);
if (failed > 0) process.exitCode = 1;
