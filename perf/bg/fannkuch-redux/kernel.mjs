// fannkuch-redux (Benchmarks Game): the permutations of 0..n-1 in the order of the
// factorial number system, cut into `blocks` equal blocks. One fold, written once as a parafor
// range body (no captured variables), folds blocks [lo, hi) into { checksum, maxFlips }: the
// serial program, the hand-written workers and parafor all run it. After Oleg Mazurov's
// Java program: each block starts from its first permutation, computed from its index.

/** Folds the permutations of blocks [lo, hi) into acc ({ checksum, maxFlips }). */
export function fannkuchFold(acc, lo, hi, s) {
  const n = s.n;
  const fact = [1];
  for (let i = 1; i <= n; i++) fact.push(fact[i - 1] * i);
  const total = fact[n];
  const size = Math.ceil(total / s.blocks);
  const idxMin = Math.min(total, lo * size);
  const idxMax = Math.min(total, hi * size);
  if (idxMin >= idxMax) return acc;
  const p = new Int32Array(n);
  const pp = new Int32Array(n);
  const count = new Int32Array(n);
  // The first permutation of the range, from its index.
  for (let i = 0; i < n; i++) p[i] = i;
  let rest = idxMin;
  for (let i = n - 1; i > 0; i--) {
    const d = Math.floor(rest / fact[i]);
    count[i] = d;
    rest -= d * fact[i];
    for (let j = 0; j <= i; j++) pp[j] = p[j];
    for (let j = 0; j <= i; j++) p[j] = j + d <= i ? pp[j + d] : pp[j + d - i - 1];
  }
  let checksum = 0;
  let maxFlips = 0;
  for (let idx = idxMin; ; ) {
    let first = p[0];
    if (first !== 0) {
      let flips = 1;
      if (p[first] !== 0) {
        for (let j = 0; j < n; j++) pp[j] = p[j];
        do {
          flips++;
          for (let a = 1, b = first - 1; a < b; a++, b--) {
            const x = pp[a];
            pp[a] = pp[b];
            pp[b] = x;
          }
          const x = pp[first];
          pp[first] = first;
          first = x;
        } while (pp[first] !== 0);
      }
      if (flips > maxFlips) maxFlips = flips;
      checksum += (idx & 1) === 0 ? flips : -flips;
    }
    if (++idx === idxMax) break;
    // The next permutation.
    first = p[1];
    p[1] = p[0];
    p[0] = first;
    let i = 1;
    while (++count[i] > i) {
      count[i++] = 0;
      const next = (p[0] = p[1]);
      for (let j = 1; j < i; j++) p[j] = p[j + 1];
      p[i] = first;
      first = next;
    }
  }
  acc.checksum += checksum;
  if (maxFlips > acc.maxFlips) acc.maxFlips = maxFlips;
  return acc;
}

/** The two reductions: checksums add, flip counts take the max. */
export const fannkuchReducer = {
  identity: () => ({ checksum: 0, maxFlips: 0 }),
  combine: (a, b) => ({ checksum: a.checksum + b.checksum, maxFlips: Math.max(a.maxFlips, b.maxFlips) }),
};

/** Blocks of permutations: enough for an even dynamic schedule, few enough to be cheap. */
export const BLOCKS = 720;

export function print(n, r) {
  process.stdout.write(`${r.checksum}\nPfannkuchen(${n}) = ${r.maxFlips}\n`);
}
