// The body tax: spectral-norm's two products (y = A x, y = A^T x) at one thread, written
//   plain    as the hand-written program does: `for (let i = 0; i < N; i++)` over a
//            module-level constant N, arrays as arguments;
//   shape    as a parafor range body, `(lo, hi, s) => { const { x, y, n } = s; ... }`, called
//            directly as plain JavaScript, no parafor;
//   parafor  the same body through parallelForRangeSync on a one-thread team (the calling
//            thread runs it through parafor's runner);
// each once with the matrix element written `((i + j) * (i + j + 1)) / 2 + i + 1` (as the
// Benchmarks Game programs write it) and once as `(k * (k + 1)) * 0.5 + i + 1` with
// `const k = i + j` (the same value: the product is even, and exact in a double).
// Rounds are interleaved; each round times every form once and the ratios are taken within
// a round; medians and ranges over the rounds. All forms must give the same vector.
//   node perf/repro/body-tax.mjs [--n=5500] [--rounds=9]
// Whole programs (perf/bg/spectral-norm serial.mjs against parafor.mjs at one thread, each run
// a fresh process, alternating):
//   node perf/repro/body-tax.mjs --programs [--n=5500] [--rounds=9]
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { loadavg } from 'node:os';
import { Team, sharedArray } from 'parafor';
import { median, parseArgs } from '../lib/util.mjs';

const args = parseArgs();
const N = Number(args.n ?? 5500);
const ROUNDS = Number(args.rounds ?? 9);

const range = (v) => `${Math.min(...v).toFixed(3)}-${Math.max(...v).toFixed(3)}`;

if (args.programs) {
  const dir = fileURLToPath(new URL('../bg/spectral-norm/', import.meta.url));
  const time = (file, env) => {
    const t0 = performance.now();
    const out = execFileSync(process.execPath, [dir + file, String(N)], { encoding: 'utf8', env: { ...process.env, ...env } });
    return { ms: performance.now() - t0, out };
  };
  const ratios = [];
  const serialMs = [];
  const paraforMs = [];
  for (let r = 0; r < ROUNDS; r++) {
    const a = time('serial.mjs', {});
    const b = time('parafor.mjs', { PARAFOR_NUM_THREADS: '1' });
    if (a.out !== b.out) throw new Error(`outputs differ: ${a.out} / ${b.out}`);
    serialMs.push(a.ms);
    paraforMs.push(b.ms);
    ratios.push(b.ms / a.ms);
  }
  console.log(`spectral-norm ${N}, whole processes, ${ROUNDS} pairs; load average ${loadavg().map((x) => x.toFixed(2)).join(' ')}`);
  console.log(`serial.mjs ${median(serialMs).toFixed(0)} ms, parafor.mjs at one thread ${median(paraforMs).toFixed(0)} ms`);
  console.log(`parafor / serial: median ${median(ratios).toFixed(3)}, range ${range(ratios)}`);
  process.exit(0);
}

// ---- plain: the hand-written form -------------------------------------------------------
function av(x, y) {
  for (let i = 0; i < N; i++) {
    let sum = 0;
    for (let j = 0; j < N; j++) sum += x[j] / (((i + j) * (i + j + 1)) / 2 + i + 1);
    y[i] = sum;
  }
}
function atv(x, y) {
  for (let i = 0; i < N; i++) {
    let sum = 0;
    for (let j = 0; j < N; j++) sum += x[j] / (((i + j) * (i + j + 1)) / 2 + j + 1);
    y[i] = sum;
  }
}
function avHalf(x, y) {
  for (let i = 0; i < N; i++) {
    let sum = 0;
    for (let j = 0; j < N; j++) {
      const k = i + j;
      sum += x[j] / (k * (k + 1) * 0.5 + i + 1);
    }
    y[i] = sum;
  }
}
function atvHalf(x, y) {
  for (let i = 0; i < N; i++) {
    let sum = 0;
    for (let j = 0; j < N; j++) {
      const k = i + j;
      sum += x[j] / (k * (k + 1) * 0.5 + j + 1);
    }
    y[i] = sum;
  }
}

// ---- range bodies (as perf/bg/spectral-norm/parafor.mjs writes them) ----------------------
function avBody(lo, hi, s) {
  const { x, y, n } = s;
  for (let i = lo; i < hi; i++) {
    let sum = 0;
    for (let j = 0; j < n; j++) sum += x[j] / (((i + j) * (i + j + 1)) / 2 + i + 1);
    y[i] = sum;
  }
}
function atvBody(lo, hi, s) {
  const { x, y, n } = s;
  for (let i = lo; i < hi; i++) {
    let sum = 0;
    for (let j = 0; j < n; j++) sum += x[j] / (((i + j) * (i + j + 1)) / 2 + j + 1);
    y[i] = sum;
  }
}
function avHalfBody(lo, hi, s) {
  const { x, y, n } = s;
  for (let i = lo; i < hi; i++) {
    let sum = 0;
    for (let j = 0; j < n; j++) {
      const k = i + j;
      sum += x[j] / (k * (k + 1) * 0.5 + i + 1);
    }
    y[i] = sum;
  }
}
function atvHalfBody(lo, hi, s) {
  const { x, y, n } = s;
  for (let i = lo; i < hi; i++) {
    let sum = 0;
    for (let j = 0; j < n; j++) {
      const k = i + j;
      sum += x[j] / (k * (k + 1) * 0.5 + j + 1);
    }
    y[i] = sum;
  }
}

const u = sharedArray(Float64Array, N);
const t = sharedArray(Float64Array, N);
const team = new Team({ numThreads: 1 });
const ab = { x: u, y: t, n: N };
const ba = { x: t, y: u, n: N };
/** One sample: u = 1, t = A u, u = A^T t. */
const FORMS = {
  plain: () => (av(u, t), atv(t, u)),
  shape: () => (avBody(0, N, ab), atvBody(0, N, ba)),
  parafor: () => (team.parallelForRangeSync(0, N, avBody, { shared: ab }), team.parallelForRangeSync(0, N, atvBody, { shared: ba })),
  'plain, * 0.5': () => (avHalf(u, t), atvHalf(t, u)),
  'shape, * 0.5': () => (avHalfBody(0, N, ab), atvHalfBody(0, N, ba)),
  'parafor, * 0.5': () => (team.parallelForRangeSync(0, N, avHalfBody, { shared: ab }), team.parallelForRangeSync(0, N, atvHalfBody, { shared: ba })),
};
const names = Object.keys(FORMS);
const ms = Object.fromEntries(names.map((k) => [k, []]));
let answer;
// Two untimed rounds first: every form optimised before any is timed.
for (let r = -2; r < ROUNDS; r++) {
  for (const name of names) {
    u.fill(1);
    const t0 = performance.now();
    FORMS[name]();
    if (r >= 0) ms[name].push(performance.now() - t0);
    const got = Array.from(u).join();
    if (answer === undefined) answer = got;
    else if (got !== answer) throw new Error(`${name} computes a different vector`);
  }
}
await team.close();

console.log(`spectral-norm products at one thread, n = ${N}, ${ROUNDS} interleaved rounds; load average ${loadavg().map((x) => x.toFixed(2)).join(' ')}`);
console.log('form            median ms   / plain (median, range)   / plain, * 0.5');
for (const name of names) {
  const vsPlain = ms[name].map((x, r) => x / ms.plain[r]);
  const vsHalf = ms[name].map((x, r) => x / ms['plain, * 0.5'][r]);
  console.log(
    `${name.padEnd(16)}${median(ms[name]).toFixed(1).padStart(9)}   ${median(vsPlain).toFixed(3)} (${range(vsPlain)})   ${median(vsHalf).toFixed(3)} (${range(vsHalf)})`,
  );
}
