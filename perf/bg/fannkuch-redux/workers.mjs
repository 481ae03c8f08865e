// fannkuch-redux, hand-written worker_threads: one worker per CPU, a fixed range of blocks
// per worker through workerData, each worker's checksum and max in its own slots of one
// SharedArrayBuffer, joined by postMessage.   node workers.mjs N
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { availableParallelism } from 'node:os';
import { BLOCKS, fannkuchFold, fannkuchReducer, print } from './kernel.mjs';

if (isMainThread) {
  const n = Number(process.argv[2] ?? 7);
  const cpus = availableParallelism();
  // Two float64 slots per worker, each worker on its own 64-byte line.
  const sab = new SharedArrayBuffer(cpus * 64);
  const done = [];
  for (let k = 0; k < cpus; k++) {
    const lo = Math.floor((k * BLOCKS) / cpus);
    const hi = Math.floor(((k + 1) * BLOCKS) / cpus);
    const worker = new Worker(new URL(import.meta.url), { workerData: { sab, k, n, lo, hi } });
    done.push(new Promise((resolve) => worker.once('message', resolve)));
  }
  await Promise.all(done);
  const out = new Float64Array(sab);
  let r = fannkuchReducer.identity();
  for (let k = 0; k < cpus; k++) r = fannkuchReducer.combine(r, { checksum: out[8 * k], maxFlips: out[8 * k + 1] });
  print(n, r);
} else {
  const { sab, k, n, lo, hi } = workerData;
  const r = fannkuchFold(fannkuchReducer.identity(), lo, hi, { n, blocks: BLOCKS });
  const out = new Float64Array(sab);
  out[8 * k] = r.checksum;
  out[8 * k + 1] = r.maxFlips;
  parentPort.postMessage('done');
}
