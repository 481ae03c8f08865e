// spectral-norm, hand-written worker_threads, in the style of the Benchmarks Game's fastest
// Node program: one worker per CPU, one SharedArrayBuffer holding u, v and t, a fixed block
// of rows per worker through workerData, and each of the 40 products joined by one
// postMessage per worker.
//   node workers.mjs N
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { availableParallelism } from 'node:os';
import { printNorm } from './norm.mjs';

if (isMainThread) {
  const n = Number(process.argv[2] ?? 100);
  const sab = new SharedArrayBuffer(3 * n * 8);
  const u = new Float64Array(sab, 0, n).fill(1);
  const v = new Float64Array(sab, n * 8, n);
  const cpus = Math.min(availableParallelism(), n);
  const workers = [];
  for (let k = 0; k < cpus; k++) {
    const lo = Math.floor((k * n) / cpus);
    const hi = Math.floor(((k + 1) * n) / cpus);
    workers.push(new Worker(new URL(import.meta.url), { workerData: { sab, n, lo, hi } }));
  }
  /** Runs product `phase` (0..3) on every worker and waits for all of them. */
  const run = (phase) =>
    Promise.all(
      workers.map(
        (w) =>
          new Promise((resolve) => {
            w.once('message', resolve);
            w.postMessage(phase);
          }),
      ),
    );
  for (let k = 0; k < 10; k++) for (let phase = 0; phase < 4; phase++) await run(phase);
  printNorm(u, v);
  for (const w of workers) await w.terminate();
} else {
  const { sab, n, lo, hi } = workerData;
  const u = new Float64Array(sab, 0, n);
  const v = new Float64Array(sab, n * 8, n);
  const t = new Float64Array(sab, 2 * n * 8, n);
  const av = (x, y) => {
    for (let i = lo; i < hi; i++) {
      let sum = 0;
      for (let j = 0; j < n; j++) sum += x[j] / (((i + j) * (i + j + 1)) / 2 + i + 1);
      y[i] = sum;
    }
  };
  const atv = (x, y) => {
    for (let i = lo; i < hi; i++) {
      let sum = 0;
      for (let j = 0; j < n; j++) sum += x[j] / (((i + j) * (i + j + 1)) / 2 + j + 1);
      y[i] = sum;
    }
  };
  const phases = [() => av(u, t), () => atv(t, v), () => av(v, t), () => atv(t, u)];
  parentPort.on('message', (phase) => {
    phases[phase]();
    parentPort.postMessage(phase);
  });
}
