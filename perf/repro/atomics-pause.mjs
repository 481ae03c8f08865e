// Atomics.pause() in parafor's timed spins (lib/wait.ts), on and off side by side: runs
// itself in child processes, alternately with Atomics.pause and with it deleted before
// parafor is imported (so parafor's feature test finds none). Two measurements on a team of
// 2 with waitPolicy 'active' (the threads spin, never sleep):
//   empty: an empty parallelForSync region (the wake-up and join latency a pause adds);
//   lopsided: the worker computes about a millisecond while the calling thread, done at
//   once, spins in the join (what a pause gives back to a hardware thread that shares the
//   core with the spinner).
// Needs a runtime with Atomics.pause (Node 24+):
//   node perf/repro/atomics-pause.mjs [pairs]
// What the 2-vCPU VM (AMD EPYC, load average about 7 from other processes) showed: a poll
// with Atomics.pause took 70-130 ns against 16-24 without; the empty region took a median
// 3.50 us with the pause and 5.05 without on Node 26.12 (six pairs), 1.69 and 2.33 us on
// Node 24.22 (four pairs); the lopsided loop 5.90 and 5.81 ms on Node 24 (ratio 1.02). So the
// pause costs no measurable latency here, and may help when threads outnumber free cores.
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];

if (process.argv[2] === '--child') {
  if (process.argv[3] === 'off') delete Atomics.pause;
  const { Team } = await import('parafor');
  const team = new Team({ numThreads: 2, waitPolicy: 'active' });
  await team.start();
  const opts = { serialBelowUs: 0 };
  const empty = () => team.parallelForSync(0, 2, () => {}, opts);
  const per = (f, n) => {
    for (let k = 0; k < n / 10; k++) f();
    const t0 = performance.now();
    for (let k = 0; k < n; k++) f();
    return ((performance.now() - t0) * 1000) / n;
  };
  const lop = () =>
    team.parallelReduceRangeSync(0, 2, (acc, lo) => {
      if (lo === 0) return acc;
      for (let i = 0; i < 1e6; i++) acc += Math.sqrt(i);
      return acc;
    }, 'sum', opts);
  console.log(JSON.stringify({ empty: per(empty, 100_000), lopsided: per(lop, 100) }));
  await team.close();
} else {
  if (typeof Atomics.pause !== 'function') {
    console.log(`${process.version} has no Atomics.pause: nothing to compare`);
    process.exit(0);
  }
  const pairs = Number(process.argv[2] ?? 5);
  const me = fileURLToPath(import.meta.url);
  const runs = { on: [], off: [] };
  for (let p = 0; p < pairs; p++) {
    for (const mode of p % 2 === 0 ? ['on', 'off'] : ['off', 'on']) {
      runs[mode].push(JSON.parse(execFileSync(process.execPath, [me, '--child', mode], { encoding: 'utf8' })));
    }
  }
  for (const key of ['empty', 'lopsided']) {
    const on = runs.on.map((r) => r[key]);
    const off = runs.off.map((r) => r[key]);
    const fmt = (xs) => `median ${median(xs).toFixed(2)} us (${Math.min(...xs).toFixed(2)}-${Math.max(...xs).toFixed(2)})`;
    console.log(`${process.version} ${key}: with pause ${fmt(on)}, without ${fmt(off)}, ratio ${(median(on) / median(off)).toFixed(3)}`);
  }
}
