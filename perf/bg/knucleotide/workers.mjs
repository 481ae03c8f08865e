// k-nucleotide counting, hand-written worker_threads: one worker per CPU, a fixed block of
// positions per worker through workerData, private bins copied into the worker's own part of
// one SharedArrayBuffer, joined by postMessage.   node workers.mjs LENGTH
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { availableParallelism } from 'node:os';
import { BINS, countFold, countReducer, print } from './kernel.mjs';

if (isMainThread) {
  const length = Number(process.argv[2] ?? 10_000);
  const cpus = availableParallelism();
  const sab = new SharedArrayBuffer(cpus * BINS * 4);
  const done = [];
  for (let k = 0; k < cpus; k++) {
    const lo = Math.floor((k * length) / cpus);
    const hi = Math.floor(((k + 1) * length) / cpus);
    const worker = new Worker(new URL(import.meta.url), { workerData: { sab, k, length, lo, hi } });
    done.push(new Promise((resolve) => worker.once('message', resolve)));
  }
  await Promise.all(done);
  let bins = new Int32Array(BINS);
  for (let k = 0; k < cpus; k++) bins = countReducer.combine(bins, new Int32Array(sab, k * BINS * 4, BINS));
  print(length, bins);
} else {
  const { sab, k, length, lo, hi } = workerData;
  new Int32Array(sab, k * BINS * 4, BINS).set(countFold(new Int32Array(BINS), lo, hi, { length }));
  parentPort.postMessage('done');
}
