// A cold first call: a fresh process, the default team, one `await parallelReduceRange` of a
// loop of about 250 ms serial, against the same loop run serially in another fresh process.
// Serial and parafor processes alternate; each times only its call (from just before it to
// its result), after importing parafor and letting the event loop turn once, as a program
// that reads its input would. Both must give the same sum.
//   node perf/repro/cold-first-call.mjs [--pairs=9] [--n=2.4e6] [--schedule=static]
// PARAFOR_* variables pass through to the parafor processes; --dist=DIR imports DIR/index.js
// instead of the package (to measure a patched build).
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { loadavg } from 'node:os';
import { median, parseArgs } from '../lib/util.mjs';

const args = parseArgs();
const n = Number(args.n ?? 2.4e6);

/** The loop: about 10 ns an index, the same everywhere. */
function fold(acc, lo, hi) {
  for (let i = lo; i < hi; i++) acc += Math.sqrt(i) * Math.sin(i);
  return acc;
}

async function child() {
  const mod = args.dist ? await import(new URL(`file://${args.dist}/index.js`).href) : await import('parafor');
  await new Promise((resolve) => setImmediate(resolve));
  const t0 = performance.now();
  let sum;
  if (args.mode === 'serial') sum = fold(0, 0, n);
  else {
    const options = args.schedule ? { schedule: String(args.schedule) } : undefined;
    sum = await mod.parallelReduceRange(0, n, fold, 'sum', options);
  }
  const ms = performance.now() - t0;
  console.log(JSON.stringify({ ms, sum }));
  process.exit(0);
}

if (args.child) await child();
else {
  const pairs = Number(args.pairs ?? 9);
  const self = fileURLToPath(import.meta.url);
  const pass = Object.entries(args)
    .filter(([k]) => k === 'n' || k === 'dist' || k === 'schedule')
    .map(([k, v]) => `--${k}=${v}`);
  const run = (mode) => JSON.parse(execFileSync(process.execPath, [self, '--child', `--mode=${mode}`, ...pass], { encoding: 'utf8' }).trim().split('\n').pop());
  const serial = [];
  const par = [];
  const speedup = [];
  const load = [];
  for (let p = 0; p < pairs; p++) {
    load.push(loadavg()[0]);
    // Alternating which goes first.
    let a;
    let b;
    if (p % 2) {
      b = run('parafor');
      a = run('serial');
    } else {
      a = run('serial');
      b = run('parafor');
    }
    // Sums of doubles in another order: equal to a relative 1e-9.
    if (Math.abs(a.sum - b.sum) > 1e-9 * Math.abs(a.sum)) throw new Error(`sums differ: ${a.sum} / ${b.sum}`);
    serial.push(a.ms);
    par.push(b.ms);
    speedup.push(a.ms / b.ms);
  }
  const f = (v) => v.map((x) => x.toFixed(0)).join(' ');
  console.log(`cold first call, n = ${n}, ${pairs} pairs${args.dist ? `, build ${args.dist}` : ''}; 1-min load average ${Math.min(...load).toFixed(2)}-${Math.max(...load).toFixed(2)}`);
  console.log(`serial ms:  median ${median(serial).toFixed(0)} (${f(serial)})`);
  console.log(`parafor ms: median ${median(par).toFixed(0)} (${f(par)})`);
  console.log(`speedup:    median ${median(speedup).toFixed(2)}x, range ${Math.min(...speedup).toFixed(2)}-${Math.max(...speedup).toFixed(2)}`);
}
