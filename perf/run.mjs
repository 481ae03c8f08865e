/**
 * parafor's performance harness. `npm run perf` runs everything (about 10 minutes on 2
 * cores) and writes perf/results/: results.json, results.md and SVG charts.
 * `npm run perf:quick` is the smoke run (seconds): small sizes, one repetition, every
 * checksum verified; it exits non-zero when anything disagrees.
 *
 *   node perf/run.mjs [--quick] [--runtimes] [--scale=1] [--reps=5] [--steps=native,micro,kernels,cold,idle,map,bg] [--node=PATH[,PATH]] [--out=perf/results]
 *
 * --runtimes runs only the runtime table instead (perf/steps/runtimes.mjs): the headline
 * ratios under Node 20-26, Bun and Deno, written to runtimes.json and runtimes.md.
 *
 * --node names the runtimes of the Benchmarks Game step (perf/steps/bg.mjs; default: this one),
 * which writes its own bg.json and bg.md beside results.json.
 *
 * Each step is a child process (perf/steps/*.mjs) that prints JSON on stdout and progress
 * on stderr; the steps that need a fresh process (cold start) start their own.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import os, { availableParallelism } from 'node:os';
import path from 'node:path';
import { machine, parseArgs, progress, threadCounts } from './lib/util.mjs';
import { renderMarkdown, renderCharts } from './report.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const args = parseArgs();
const quick = Boolean(args.quick);
const cores = availableParallelism();
const threads = threadCounts(cores, quick);
const scale = Number(args.scale ?? (quick ? 0.01 : 1));
// Five: a median that survives two repetitions caught in one of the machine's slow windows
// (docs/performance.md, "Slow windows").
const reps = Number(args.reps ?? (quick ? 1 : 5));
const steps = String(args.steps ?? 'native,micro,kernels,cold,idle,map,bg').split(',');
const out = path.resolve(String(args.out ?? path.join(here, 'results', quick ? 'quick' : '.')));

function step(name, extra) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(here, 'steps', `${name}.mjs`), ...extra], { stdio: ['ignore', 'pipe', 'inherit'] });
    let stdout = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.on('error', reject);
    child.on('close', (code) => {
      let json;
      try {
        json = JSON.parse(stdout.trim().split('\n').pop());
      } catch {
        reject(new Error(`step ${name} printed no JSON (exit code ${code})`));
        return;
      }
      resolve({ code, json });
    });
  });
}

if (args.runtimes) {
  // Opt-in and on its own: it installs runtimes, and leaves results.json as it is.
  const { code } = await step('runtimes', [...(quick ? ['--quick'] : []), `--out=${path.resolve(String(args.out ?? path.join(here, 'results')))}`]);
  process.exit(code);
}

const t0 = Date.now();
const result = { machine: machine(), mode: quick ? 'quick' : 'full', scale, reps, threads, steps: {} };
progress('perf', `${result.machine.cpuModel}, ${cores} cores, Node ${process.version}; threads ${threads.join(',')}; scale ${scale}; reps ${reps}`);
let failures = 0;
const nativeArgs = [];
if (steps.includes('native')) {
  const { json } = await step('native', []);
  result.steps.native = json;
  progress('perf', json.built ? `C peer built (${json.gcc})` : `C peer skipped: ${json.note}`);
  if (json.built) nativeArgs.push(`--native=${json.dir}`);
}
const plan = {
  micro: quick ? ['--reps=1', '--maxTime=0.02', '--quick'] : [`--reps=${Math.max(reps, 5)}`, '--maxTime=0.3'],
  kernels: [`--scale=${scale}`, `--reps=${reps}`, ...(quick ? ['--quick'] : [])],
  cold: quick ? ['--reps=1', '--sides=200', '--schedules=dynamic,guided'] : [`--reps=${reps}`, '--sides=100,250,500,1000'],
  idle: quick ? ['--window=300'] : ['--window=1000'],
  map: quick ? ['--quick'] : [],
  bg: [...(quick ? ['--quick'] : [`--reps=${reps}`]), `--out=${out}`, ...(args.node && args.node !== true ? [`--node=${args.node}`] : [])],
};
for (const name of ['micro', 'kernels', 'cold', 'idle', 'map', 'bg']) {
  if (!steps.includes(name)) continue;
  // The quick run measures overheads at T = cores only.
  const ts = quick && name === 'micro' ? [cores] : threads;
  const extra = [...plan[name], `--threads=${ts.join(',')}`, ...(name === 'micro' || name === 'kernels' ? nativeArgs : [])];
  const { code, json } = await step(name, extra);
  result.steps[name] = json;
  if (code !== 0) {
    failures++;
    progress('perf', `step ${name} FAILED (exit code ${code})`);
  }
}
result.elapsedS = Math.round((Date.now() - t0) / 1000);
result.loadAverageAtEnd = os.loadavg().map((x) => Math.round(x * 100) / 100);
mkdirSync(out, { recursive: true });
writeFileSync(path.join(out, 'results.json'), `${JSON.stringify(result, null, 1)}\n`);
const md = renderMarkdown(result);
writeFileSync(path.join(out, 'results.md'), md);
for (const [file, svg] of Object.entries(renderCharts(result))) writeFileSync(path.join(out, file), svg);
progress('perf', `wrote ${path.relative(process.cwd(), out)}/results.{json,md} and charts in ${result.elapsedS} s`);
if (failures) {
  progress('perf', `${failures} step(s) failed: see the CHECKSUM MISMATCH, RESULT MISMATCH, OUTPUT MISMATCH or FAILED lines above`);
  process.exitCode = 1;
}
