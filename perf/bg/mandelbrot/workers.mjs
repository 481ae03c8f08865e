// mandelbrot, hand-written worker_threads: one worker per CPU, the bitmap and a row counter
// in one SharedArrayBuffer, rows grabbed one at a time with Atomics.add, each worker's end
// reported by postMessage.   node workers.mjs W
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { availableParallelism } from 'node:os';
import { mandelRows, writeP4 } from './kernel.mjs';

if (isMainThread) {
  const w = Number(process.argv[2] ?? 200);
  const size = ((w + 7) >> 3) * w;
  // The counter sits on its own 64-byte line after the bitmap.
  const sab = new SharedArrayBuffer(Math.ceil(size / 64) * 64 + 64);
  const cpus = availableParallelism();
  const done = [];
  for (let k = 0; k < cpus; k++) {
    const worker = new Worker(new URL(import.meta.url), { workerData: { sab, w, size } });
    done.push(new Promise((resolve) => worker.once('message', resolve)));
  }
  await Promise.all(done);
  writeP4(w, new Uint8Array(sab, 0, size));
} else {
  const { sab, w, size } = workerData;
  const next = new Int32Array(sab, Math.ceil(size / 64) * 64, 1);
  const s = { w, bytes: new Uint8Array(sab, 0, size) };
  for (let y = Atomics.add(next, 0, 1); y < w; y = Atomics.add(next, 0, 1)) mandelRows(y, y + 1, s);
  parentPort.postMessage('done');
}
