/**
 * Step "bg": Benchmarks Game programs (perf/bg/), each in three forms run as whole processes:
 * plain serial JavaScript, a hand-written worker_threads program (one worker per CPU, one
 * SharedArrayBuffer, fixed blocks or an Atomics row counter, postMessage joins) and parafor
 * as docs/guide.md teaches it. Every output is compared byte for byte with the serial one (a
 * mismatch or a failed process fails the step). Times are wall times of whole processes,
 * start-up included; the forms run in turn, rep by rep (the order rotated each rep), and the
 * ratios are medians of the ratios within each rep (paired runs).
 *
 * One runtime or several: --node takes a comma-separated list of executables.
 *
 *   node perf/steps/bg.mjs [--quick] [--reps=5] [--node=PATH[,PATH...]] [--kernels=a,b] [--out=perf/results]
 *
 * Writes bg.json and bg.md into --out; prints the JSON on stdout (for perf/run.mjs).
 */
import { spawnSync, execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { machine, median, parseArgs, progress, round } from '../lib/util.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const bgDir = path.join(here, '..', 'bg');
const args = parseArgs();
const quick = Boolean(args.quick);
const reps = Number(args.reps ?? (quick ? 1 : 5));
const nodes = args.node && args.node !== true ? String(args.node).split(',') : [process.execPath];
const out = path.resolve(String(args.out ?? path.join(here, '..', 'results', quick ? 'quick' : '.')));

/** The programs and their sizes: full (the Benchmarks Game's own, or close) and quick (a smoke test). */
const KERNELS = [
  { name: 'spectral-norm', full: 5500, quick: 100 },
  { name: 'mandelbrot', full: 8000, quick: 200 },
  { name: 'fannkuch-redux', full: 11, quick: 7 },
  { name: 'knucleotide', full: 25_000_000, quick: 10_000 },
].filter((k) => !args.kernels || String(args.kernels).split(',').includes(k.name));
const FORMS = ['serial', 'workers', 'parafor'];

/** Runs one program; its wall time in seconds and a digest of its stdout. */
function runOnce(node, kernel, form, size) {
  const file = path.join(bgDir, kernel, `${form}.mjs`);
  const t0 = performance.now();
  const r = spawnSync(node, [file, String(size)], { maxBuffer: 64 * 2 ** 20 });
  const s = (performance.now() - t0) / 1000;
  const digest = createHash('sha256').update(r.stdout).digest('hex');
  const error = r.status === 0 ? undefined : `exit ${r.status ?? r.signal}: ${String(r.stderr).trim().split('\n').slice(0, 3).join(' | ')}`;
  return { s, digest, bytes: r.stdout.length, error };
}

/** Median and range of paired ratios a[i] / b[i]. */
function ratios(a, b) {
  const v = a.map((x, i) => x / b[i]);
  return { median: round(median(v), 3), min: round(Math.min(...v), 3), max: round(Math.max(...v), 3) };
}

let failures = 0;
const runtimes = [];
for (const node of nodes) {
  const version = execFileSync(node, ['--version'], { encoding: 'utf8' }).trim();
  const kernels = [];
  for (const k of KERNELS) {
    const size = quick ? k.quick : k.full;
    const times = Object.fromEntries(FORMS.map((f) => [f, []]));
    const mismatches = [];
    const runs = [];
    let reference;
    const loadBefore = loadavg()[0];
    for (let rep = 0; rep < reps; rep++) {
      const order = FORMS.map((_, j) => FORMS[(j + rep) % FORMS.length]);
      const line = [];
      for (const form of order) {
        const r = runOnce(node, k.name, form, size);
        if (r.error) {
          failures++;
          mismatches.push(`${form}: ${r.error}`);
          progress('bg', `FAILED: ${version} ${k.name} ${form}: ${r.error}`);
          continue;
        }
        times[form].push(r.s);
        line.push(`${form} ${r.s.toFixed(3)}`);
        if (form === 'serial') reference ??= r;
        runs.push({ form, ...r });
      }
      progress('bg', `${version} ${k.name} ${size} rep ${rep + 1}/${reps}: ${line.join(', ')} s`);
    }
    // Every output against the serial program's, byte for byte (by digest and length).
    for (const r of runs) {
      if (reference === undefined || r.digest !== reference.digest || r.bytes !== reference.bytes) {
        failures++;
        mismatches.push(`${r.form}: output differs from serial`);
        progress('bg', `OUTPUT MISMATCH: ${version} ${k.name} ${r.form} (${r.bytes} bytes, ${r.digest.slice(0, 12)}) vs serial (${reference?.bytes} bytes, ${reference?.digest.slice(0, 12)})`);
      }
    }
    const complete = FORMS.every((f) => times[f].length === reps);
    const row = {
      name: k.name,
      size,
      reps,
      load: [round(loadBefore, 2), round(loadavg()[0], 2)],
      outputOk: mismatches.length === 0,
      mismatches,
      outputBytes: reference?.bytes,
      outputSha256: reference?.digest,
      seconds: Object.fromEntries(FORMS.map((f) => [f, { median: round(median(times[f]), 4), runs: times[f].map((x) => round(x, 4)) }])),
      paraforOverWorkers: complete ? ratios(times.parafor, times.workers) : undefined,
      serialOverParafor: complete ? ratios(times.serial, times.parafor) : undefined,
      serialOverWorkers: complete ? ratios(times.serial, times.workers) : undefined,
    };
    kernels.push(row);
    if (complete) {
      progress('bg', `${version} ${k.name}: parafor/hand-written x${row.paraforOverWorkers.median} (${row.paraforOverWorkers.min}-${row.paraforOverWorkers.max}), serial/parafor x${row.serialOverParafor.median}`);
    }
  }
  runtimes.push({ node, version, kernels });
}

const f2 = (x) => (x === undefined ? '-' : x.toFixed(2));
const range = (r) => (r === undefined ? '-' : `${f2(r.median)} (${f2(r.min)}-${f2(r.max)})`);

function renderMarkdown(result) {
  const m = result.machine;
  let md = `# Benchmarks Game programs: parafor, hand-written workers, serial\n\n`;
  md += `${m.cpuModel}, ${m.cores} cores; ${result.mode} run, ${result.reps} rep(s); load average ${m.loadAverage.join(' ')} at the start.\n`;
  md += `Whole processes (start-up included), run in turn rep by rep; ratios are medians of the ratios within each rep, with their range. `;
  md += `"hand" is the hand-written worker_threads program (perf/bg/*/workers.mjs). Below 1 in "parafor / hand" means parafor is faster.\n\n`;
  md += `Produced by \`node perf/steps/bg.mjs${quick ? ' --quick' : ''} --reps=${result.reps} --node=...\`.\n\n`;
  for (const rt of result.runtimes) {
    md += `## Node ${rt.version.replace(/^v/, '')}\n\n`;
    md += `| program | size | serial s | hand s | parafor s | parafor / hand | serial / parafor | serial / hand | output | load |\n|---|---|---|---|---|---|---|---|---|---|\n`;
    for (const k of rt.kernels) {
      const s = k.seconds;
      md += `| ${k.name} | ${k.size} | ${s.serial.median.toFixed(3)} | ${s.workers.median.toFixed(3)} | ${s.parafor.median.toFixed(3)} | ${range(k.paraforOverWorkers)} | ${range(k.serialOverParafor)} | ${range(k.serialOverWorkers)} | ${k.outputOk ? `same ${k.outputBytes} bytes` : `**${k.mismatches.join('; ')}**`} | ${k.load.join(' / ')} |\n`;
    }
    md += '\n';
  }
  return md;
}

const result = { machine: machine(), mode: quick ? 'quick' : 'full', reps, runtimes, failures };
mkdirSync(out, { recursive: true });
writeFileSync(path.join(out, 'bg.json'), `${JSON.stringify(result, null, 1)}\n`);
writeFileSync(path.join(out, 'bg.md'), renderMarkdown(result));
progress('bg', `wrote ${path.relative(process.cwd(), out)}/bg.{json,md}${failures ? `; ${failures} failure(s)` : ''}`);
process.stdout.write(`${JSON.stringify(result)}\n`);
process.exitCode = failures ? 1 : 0;
