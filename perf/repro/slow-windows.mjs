// Why some kernel repetitions at T=2 come out at serial speed, for every contestant in turn
// (docs/performance.md, "Limits"): no parafor here. Two plain worker threads
// run the same square-root loop at the same time, 30 times, and report their wall time,
// their CPU time (from /proc/thread-self/stat, as the guest counts it) and the CPU they ran
// on. On this VM, in some repetitions both threads take twice as long while each still
// shows 100% CPU on a CPU of its own and the guest records no steal: for a while the two
// vCPUs get one CPU's worth of work done between them.
//   node perf/repro/slow-windows.mjs [reps]
import { Worker } from 'node:worker_threads';

const reps = Number(process.argv[2] ?? 30);
const code = `
const { parentPort } = require('node:worker_threads');
const { readFileSync } = require('node:fs');
const stat = () => readFileSync('/proc/thread-self/stat', 'utf8').split(') ')[1].split(' ');
const cpuMs = (f) => (Number(f[11]) + Number(f[12])) * 10; // utime + stime, in 10 ms ticks
parentPort.on('message', (n) => {
  const c0 = cpuMs(stat());
  const t0 = performance.now();
  let a = 0;
  for (let i = 0; i < n; i++) a += Math.sqrt(i);
  const end = stat();
  parentPort.postMessage({ wall: performance.now() - t0, cpu: cpuMs(end) - c0, on: Number(end[36]), a });
});`;
const workers = [new Worker(code, { eval: true }), new Worker(code, { eval: true })];
const run = (w, n) =>
  new Promise((resolve) => {
    w.once('message', resolve);
    w.postMessage(n);
  });
await Promise.all(workers.map((w) => run(w, 1e6)));
const walls = [];
for (let rep = 0; rep < reps; rep++) {
  const r = await Promise.all(workers.map((w) => run(w, 5e7)));
  walls.push(Math.max(...r.map((x) => x.wall)));
  console.log(`rep ${rep}: ${r.map((x) => `wall ${x.wall.toFixed(0)} ms, cpu ${x.cpu} ms, on cpu${x.on}`).join(' | ')}`);
  await new Promise((resolve) => setTimeout(resolve, 100));
}
const best = Math.min(...walls);
console.log(`${walls.filter((w) => w > 1.5 * best).length} of ${reps} repetitions over 1.5x the fastest (${best.toFixed(0)} ms)`);
await Promise.all(workers.map((w) => w.terminate()));
