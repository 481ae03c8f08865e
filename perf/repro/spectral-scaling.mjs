// Why spectral-norm gains less than 1.8x from 2 threads on a 2-vCPU VM, for every
// JavaScript contestant (docs/performance.md, "Limits"). Rounds of ten of
// the kernel's products (perf/kernels.mjs specAv, n = 5500, about 30 million divisions
// each), serially on one thread and on a team of 2 in turn. What a 2-vCPU VM showed (six runs of
// 6-8 rounds): a serial product
// took 68-131 ms, moving from one round to the next in one process (68-72 ms in some rounds,
// 97-107 in the next), while a product on two threads took 41-68 ms, 82-136 ms of one
// thread's work (a version that timed each thread's own block found both busy for the whole
// wall time, 75-110 ms a product's worth each: nothing waits). So
// one round gains 1.3-1.5x, when the single thread happened to run fast, and another 1.8-2.2x.
// Two busy threads never ran this division loop as fast as one thread at its fastest; the
// square-root and Mandelbrot loops (dependent chains of additions) scale 1.9x+ in the same
// runs. What lets one thread run faster at times (the host's other hyperthread idle, a
// higher clock) cannot be seen from inside the VM.
//   node perf/repro/spectral-scaling.mjs [rounds]
import { Team } from 'parafor';
import { specAv } from '../kernels.mjs';

const rounds = Number(process.argv[2] ?? 8);
const n = 5500;
const sab = (k) => new Float64Array(new SharedArrayBuffer(8 * k));
const shared = { n, x: sab(n).fill(1), y: sab(n) };
const team = new Team({ numThreads: 2 });
await team.start();
const time = (options) => {
  const t0 = performance.now();
  for (let k = 0; k < 10; k++) team.parallelForRangeSync(0, n, specAv, { shared, ...options });
  return (performance.now() - t0) / 10;
};
time({ serialBelowUs: 0 });
time({ numThreads: 1 });
for (let r = 0; r < rounds; r++) {
  const serial = time({ numThreads: 1 });
  const two = time({ serialBelowUs: 0 });
  console.log(`a product: serial ${serial.toFixed(0)} ms, 2 threads ${two.toFixed(0)} ms (${(2 * two).toFixed(0)} ms of one thread's work): speedup ${(serial / two).toFixed(2)}x`);
}
await team.close();
