/**
 * The benchmark kernels: one definition of each, used by every JavaScript contestant.
 *
 * Each hot loop is written once, as a range body (`(lo, hi, shared, ctx)` or
 * `(acc, lo, hi, shared, ctx)`), with no captured variables: parafor ships it as source
 * text, the piscina and threads.js workers import it from this file, and the serial
 * baseline calls it once over the whole range on the main thread. So every contestant runs
 * the same arithmetic, and every checksum must agree with the serial one.
 *
 * Constants inside hot loops are literals (200, 0.25, the LCG's multiplier): V8 types a
 * literal exactly, while a constant read from module scope can be speculated as a small
 * integer and deoptimised to float arithmetic (docs/guide.md, V8 pitfalls).
 *
 * The C twins of these loops are in native/kernels.c, written to do the same operations
 * in the same order, so that the checksums agree with C too.
 */

// ---- 1. sum of Math.sqrt(i) (reduction) --------------------------------------------

/** acc + sum of sqrt(i) for i in [lo, hi). */
export function sqrtSum(acc, lo, hi) {
  for (let i = lo; i < hi; i++) acc += Math.sqrt(i);
  return acc;
}

/**
 * The same with `lo |= 0; hi |= 0` first: a control for the bounds parafor hands a body. Bounds
 * that arrive as doubles make V8 run the loop with a float induction variable, several times
 * slower (perf/repro/double-bounds.mjs); parafor passes int32 bounds, so the two rows should
 * agree within noise. Shown beside the plain body, never instead of it.
 */
export function sqrtSumInt(acc, lo, hi) {
  lo |= 0;
  hi |= 0;
  for (let i = lo; i < hi; i++) acc += Math.sqrt(i);
  return acc;
}

// ---- 2. Mandelbrot (irregular rows: dynamic / guided) ------------------------------

/** Rows [lo, hi) of a w x h Mandelbrot image, 200 iterations; rows[y] = sum of escape counts of row y. */
export function mandelRows(lo, hi, s) {
  const w = s.w;
  const h = s.h;
  const rows = s.rows;
  for (let y = lo; y < hi; y++) {
    const ci = (2 * y) / h - 1;
    let sum = 0;
    for (let x = 0; x < w; x++) {
      const cr = (2 * x) / w - 1.5;
      let zr = 0;
      let zi = 0;
      let k = 0;
      for (; k < 200; k++) {
        const zr2 = zr * zr;
        const zi2 = zi * zi;
        if (zr2 + zi2 > 4) break;
        zi = 2 * zr * zi + ci;
        zr = zr2 - zi2 + cr;
      }
      sum += k;
    }
    rows[y] = sum;
  }
}

// ---- 3. 2-D Jacobi, 5-point stencil (static, two shared arrays) --------------------

/** Interior rows [lo, hi) of one sweep: dst = average of src's four neighbours. */
export function jacobiRows(lo, hi, s) {
  const n = s.n;
  const a = s.src;
  const b = s.dst;
  for (let i = lo; i < hi; i++) {
    const r = i * n;
    for (let j = 1; j < n - 1; j++) {
      b[r + j] = 0.25 * (a[r - n + j] + a[r + n + j] + a[r + j - 1] + a[r + j + 1]);
    }
  }
}

/** jacobiRows with the lo/hi workaround (see sqrtSumInt). */
export function jacobiRowsInt(lo, hi, s) {
  lo |= 0;
  hi |= 0;
  const n = s.n;
  const a = s.src;
  const b = s.dst;
  for (let i = lo; i < hi; i++) {
    const r = i * n;
    for (let j = 1; j < n - 1; j++) {
      b[r + j] = 0.25 * (a[r - n + j] + a[r + n + j] + a[r + j - 1] + a[r + j + 1]);
    }
  }
}

// ---- 4. histogram of LCG values (array reduction, private bins) --------------------

/**
 * Adds values lo .. hi-1 of the LCG x' = 1664525 x + 1013904223 (mod 2^32), seeded with 42,
 * to the 256 bins `acc` (by the top 8 bits). The state at `lo` comes from a jump-ahead
 * (O(log lo)), so any chunk can start anywhere.
 */
export function histogram(acc, lo, hi) {
  let am = 1;
  let cm = 0;
  let a = 1664525;
  let c = 1013904223;
  for (let k = lo; k > 0; k = k >>> 1) {
    if ((k & 1) === 1) {
      am = Math.imul(am, a);
      cm = (Math.imul(cm, a) + c) | 0;
    }
    c = (Math.imul(c, a) + c) | 0;
    a = Math.imul(a, a);
  }
  let x = (Math.imul(am, 42) + cm) | 0;
  for (let i = lo; i < hi; i++) {
    x = (Math.imul(x, 1664525) + 1013904223) | 0;
    acc[x >>> 24]++;
  }
  return acc;
}

/** The array reduction: per-thread private bins, combined at the end. */
export const histogramReducer = {
  identity: () => new Int32Array(256),
  combine: (a, b) => {
    for (let k = 0; k < 256; k++) a[k] += b[k];
    return a;
  },
};

// ---- 5. spectral-norm (Benchmarks Game) --------------------------------------------

/** y[i] = sum_j A(i,j) x[j] for rows [lo, hi), A(i,j) = 1 / ((i+j)(i+j+1)/2 + i + 1). */
export function specAv(lo, hi, s) {
  const n = s.n;
  const x = s.x;
  const y = s.y;
  for (let i = lo; i < hi; i++) {
    let sum = 0;
    for (let j = 0; j < n; j++) sum += x[j] / (((i + j) * (i + j + 1)) / 2 + i + 1);
    y[i] = sum;
  }
}

/** y[i] = sum_j A(j,i) x[j] for rows [lo, hi). */
export function specAtv(lo, hi, s) {
  const n = s.n;
  const x = s.x;
  const y = s.y;
  for (let i = lo; i < hi; i++) {
    let sum = 0;
    for (let j = 0; j < n; j++) sum += x[j] / (((i + j) * (i + j + 1)) / 2 + j + 1);
    y[i] = sum;
  }
}

// ---- 6. fine-grained: trivial work per iteration ------------------------------------

/** a[i] += 1 for i in [lo, hi). */
export function fineAdd(lo, hi, s) {
  const a = s.a;
  for (let i = lo; i < hi; i++) a[i] += 1;
}

/** fineAdd with the lo/hi workaround (see sqrtSumInt). */
export function fineAddInt(lo, hi, s) {
  lo |= 0;
  hi |= 0;
  const a = s.a;
  for (let i = lo; i < hi; i++) a[i] += 1;
}

/** Task entry for the peer pools: one chunk of one kernel. Returns what the chunk produces. */
export function runTask(t) {
  switch (t.k) {
    case 'sqrtsum':
      return sqrtSum(0, t.lo, t.hi);
    case 'mandelbrot':
      return mandelRows(t.lo, t.hi, t.s);
    case 'jacobi':
      return jacobiRows(t.lo, t.hi, t.s);
    case 'histogram':
      return histogram(new Int32Array(256), t.lo, t.hi);
    case 'specAv':
      return specAv(t.lo, t.hi, t.s);
    case 'specAtv':
      return specAtv(t.lo, t.hi, t.s);
    case 'fine':
      return fineAdd(t.lo, t.hi, t.s);
    default:
      throw new Error(`unknown task kernel ${t.k}`);
  }
}
