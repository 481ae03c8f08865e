// Matrix multiply scaling on each runtime: C = A * B for n x n Float64 matrices (i-k-j
// order, rows of C split over the threads with the range form), serially on one thread and
// on a team of 2 in alternating rounds, the same checksum required from both. Run it with
// each runtime from a folder where `parafor` resolves (the repository root, or an app that
// installed the package):
//   node perf/repro/matmul-runtimes.mjs [n] [rounds]
//   deno run -A perf/repro/matmul-runtimes.mjs [n] [rounds]
//   bun perf/repro/matmul-runtimes.mjs [n] [rounds]
// Prints one line per round and the median speedup.
//
// What the 2-vCPU VM showed, n = 384, 9 rounds a process, Node 20.20 and Deno 2.9.6 in turn,
// three pairs, with the machine's load average at 6.7-6.9 (other processes on both cores):
// medians Node 1.18 / 1.10 / 0.95x, Deno 1.97 / 1.01 / 0.98x; rounds ranged 0.61-1.69x on
// Node and 0.85-2.73x on Deno. With no free core for the second thread neither runtime
// scales, and nothing separates Deno from Node when they run side by side: the 0.69-1.19x
// seen on Deno before came from runs on a loaded machine too. Deno's workers run the same
// body source through the same compile path (new Function on each thread) as Node's.
import { Team, sharedArray } from 'parafor';

const args = typeof Deno !== 'undefined' ? Deno.args : process.argv.slice(2);
const runtime = typeof Deno !== 'undefined' ? `deno ${Deno.version.deno}` : typeof Bun !== 'undefined' ? `bun ${Bun.version}` : `node ${process.versions.node}`;
const n = Number(args[0] ?? 384);
const rounds = Number(args[1] ?? 7);
const a = sharedArray(Float64Array, n * n);
const b = sharedArray(Float64Array, n * n);
const c = sharedArray(Float64Array, n * n);
for (let i = 0; i < n * n; i++) {
  a[i] = ((i * 7) % 13) - 6;
  b[i] = ((i * 5) % 11) - 5;
}
const shared = { a, b, c, n };

function rows(lo, hi, s) {
  const { a, b, c, n } = s;
  for (let i = lo; i < hi; i++) {
    const ci = i * n;
    for (let j = 0; j < n; j++) c[ci + j] = 0;
    for (let k = 0; k < n; k++) {
      const aik = a[ci + k];
      const bk = k * n;
      for (let j = 0; j < n; j++) c[ci + j] += aik * b[bk + j];
    }
  }
}

function checksum() {
  let s = 0;
  for (let i = 0; i < n * n; i++) s += c[i] * ((i % 7) + 1);
  return s;
}

const team = new Team({ numThreads: 2 });
await team.start();
const time = (options) => {
  c.fill(0);
  const t0 = performance.now();
  team.parallelForRangeSync(0, n, rows, { shared, ...options });
  return { ms: performance.now() - t0, sum: checksum() };
};
// Warm both paths (the serial path compiles the body on the calling thread, the parallel
// one on each worker).
for (let k = 0; k < 2; k++) {
  time({ numThreads: 1 });
  time({ serialBelowUs: 0, schedule: 'dynamic', chunk: 8 });
}
const speedups = [];
for (let r = 0; r < rounds; r++) {
  const one = time({ numThreads: 1 });
  const two = time({ serialBelowUs: 0, schedule: 'dynamic', chunk: 8 });
  if (one.sum !== two.sum) throw new Error(`checksums differ: ${one.sum} serial, ${two.sum} on 2 threads`);
  speedups.push(one.ms / two.ms);
  console.log(`${runtime} n=${n}: serial ${one.ms.toFixed(1)} ms, 2 threads ${two.ms.toFixed(1)} ms, speedup ${(one.ms / two.ms).toFixed(2)}x`);
}
speedups.sort((x, y) => x - y);
console.log(`${runtime} n=${n}: median speedup ${speedups[rounds >> 1].toFixed(2)}x (range ${speedups[0].toFixed(2)}-${speedups[rounds - 1].toFixed(2)}x)`);
await team.close();
