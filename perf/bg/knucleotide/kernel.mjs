// k-nucleotide counting (after the Benchmarks Game's k-nucleotide, on a sequence that is
// generated, not read): nucleotide p of the sequence comes from step p + 1 of fasta's
// generator (x' = (3877 x + 29573) mod 139968, seed 42) and fasta's Homo sapiens
// frequencies. Every window of 1, 2, 3, 4 and 6 nucleotides is counted in exact integer
// bins. Any block of positions can start anywhere: the generator jumps ahead in O(log p).
// One fold, written once as a parafor range body (no captured variables), counts the windows
// starting in [lo, hi); the serial program, the hand-written workers and parafor all run it.

/** Window lengths and where each one's bins start in the count array. */
export const KS = [1, 2, 3, 4, 6];
export const OFFSETS = [0, 4, 20, 84, 340];
export const BINS = 4436;

/** Adds the windows that start at positions [lo, hi) of a sequence of s.length to acc (Int32Array(BINS)). */
export function countFold(acc, lo, hi, s) {
  const length = s.length;
  // The generator's state after lo steps: compose x -> a x + c with itself, bit by bit.
  let am = 1;
  let cm = 0;
  let a = 3877;
  let c = 29573;
  for (let k = lo; k > 0; k = Math.floor(k / 2)) {
    if (k % 2 === 1) {
      am = (am * a) % 139968;
      cm = (cm * a + c) % 139968;
    }
    c = (c * a + c) % 139968;
    a = (a * a) % 139968;
  }
  // `| 0`: the jump's products pass 2^31, and a state V8 has seen as a double would make the
  // loop's modulo a float one (several times slower).
  let x = ((am * 42 + cm) % 139968) | 0;
  const last = Math.min(length, hi + 5);
  let code = 0;
  for (let q = lo; q < last; q++) {
    x = (x * 3877 + 29573) % 139968;
    const r = x / 139968;
    const nuc = r < 0.302954942668 ? 0 : r < 0.5009432431601 ? 1 : r < 0.6984905497992 ? 2 : 3;
    code = ((code << 2) | nuc) & 4095;
    // Windows ending at q: the one of length k starts at q - k + 1.
    if (q < hi) acc[code & 3]++;
    if (q >= lo + 1 && q - 1 < hi) acc[4 + (code & 15)]++;
    if (q >= lo + 2 && q - 2 < hi) acc[20 + (code & 63)]++;
    if (q >= lo + 3 && q - 3 < hi) acc[84 + (code & 255)]++;
    if (q >= lo + 5 && q - 5 < hi) acc[340 + code]++;
  }
  return acc;
}

/** Private bins per thread, added at the end. */
export const countReducer = {
  identity: () => new Int32Array(4436),
  combine: (a, b) => {
    for (let k = 0; k < BINS; k++) a[k] += b[k];
    return a;
  },
};

const LETTERS = 'ACGT';

function key(code, k) {
  let out = '';
  for (let j = k - 1; j >= 0; j--) out += LETTERS[(code >> (2 * j)) & 3];
  return out;
}

function codeOf(key) {
  let code = 0;
  for (const ch of key) code = (code << 2) | LETTERS.indexOf(ch);
  return code;
}

/** The k-nucleotide report: frequencies of 1- and 2-mers, then counts of a few longer ones. */
export function print(length, bins) {
  let out = '';
  for (const [k, offset] of [
    [1, 0],
    [2, 4],
  ]) {
    const total = length - k + 1;
    const rows = [];
    for (let code = 0; code < 4 ** k; code++) rows.push([key(code, k), bins[offset + code]]);
    rows.sort((p, q) => q[1] - p[1] || (p[0] < q[0] ? -1 : 1));
    for (const [name, count] of rows) out += `${name} ${((100 * count) / total).toFixed(3)}\n`;
    out += '\n';
  }
  for (const seq of ['GGT', 'GGTA', 'GGTATT']) out += `${bins[OFFSETS[KS.indexOf(seq.length)] + codeOf(seq)]}\t${seq}\n`;
  process.stdout.write(out);
}
