// spectral-norm with parafor, written as docs/guide.md teaches: three shared vectors, one
// parallelForRangeSync per product, range bodies that copy what they read from `shared`
// into local constants.
//   node parafor.mjs N
import { parallelForRangeSync, sharedArray } from 'parafor';
import { printNorm } from './norm.mjs';

const n = Number(process.argv[2] ?? 100);
const u = sharedArray(Float64Array, n).fill(1);
const v = sharedArray(Float64Array, n);
const t = sharedArray(Float64Array, n);

/** Rows [lo, hi) of y = A x. */
function av(lo, hi, s) {
  const { x, y, n } = s;
  for (let i = lo; i < hi; i++) {
    let sum = 0;
    for (let j = 0; j < n; j++) sum += x[j] / (((i + j) * (i + j + 1)) / 2 + i + 1);
    y[i] = sum;
  }
}

/** Rows [lo, hi) of y = A^T x. */
function atv(lo, hi, s) {
  const { x, y, n } = s;
  for (let i = lo; i < hi; i++) {
    let sum = 0;
    for (let j = 0; j < n; j++) sum += x[j] / (((i + j) * (i + j + 1)) / 2 + j + 1);
    y[i] = sum;
  }
}

for (let k = 0; k < 10; k++) {
  parallelForRangeSync(0, n, av, { shared: { x: u, y: t, n } });
  parallelForRangeSync(0, n, atv, { shared: { x: t, y: v, n } });
  parallelForRangeSync(0, n, av, { shared: { x: v, y: t, n } });
  parallelForRangeSync(0, n, atv, { shared: { x: t, y: u, n } });
}
printNorm(u, v);
