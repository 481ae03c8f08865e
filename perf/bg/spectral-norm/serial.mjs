// spectral-norm, plain serial JavaScript: the Benchmarks Game program on one thread.
//   node serial.mjs N
import { printNorm } from './norm.mjs';

const n = Number(process.argv[2] ?? 100);

/** y = A x, A(i,j) = 1 / ((i+j)(i+j+1)/2 + i + 1). */
function av(x, y) {
  for (let i = 0; i < n; i++) {
    let sum = 0;
    for (let j = 0; j < n; j++) sum += x[j] / (((i + j) * (i + j + 1)) / 2 + i + 1);
    y[i] = sum;
  }
}

/** y = A^T x. */
function atv(x, y) {
  for (let i = 0; i < n; i++) {
    let sum = 0;
    for (let j = 0; j < n; j++) sum += x[j] / (((i + j) * (i + j + 1)) / 2 + j + 1);
    y[i] = sum;
  }
}

const u = new Float64Array(n).fill(1);
const v = new Float64Array(n);
const t = new Float64Array(n);
for (let k = 0; k < 10; k++) {
  av(u, t);
  atv(t, v);
  av(v, t);
  atv(t, u);
}
printNorm(u, v);
