// The Python multiprocessing tutorial, retold with parafor and measured on this machine.
//
//   npm run demo                    the whole tour: about 5 s on an idle 2-core machine once built, 20 s on a busy one;
//                                   the first run builds parafor first (15-50 s more on 2 cores)
//   npm run demo -- FILE            step 6 reads FILE (e.g. t8.shakespeare.txt) instead of a generated text
//   npm run demo -- --quick         small sizes, about 3 s (PARAFOR_DEMO_QUICK=1 does the same)
//   npm run demo -- --svg FILE      writes the SVG chart to FILE (by default it goes to a new temporary folder)
//   node scripts/demo.mjs --no-build  no build check (spec/demo.spec.ts runs the tree it built)
//
// The story goes to stdout; progress goes to stderr. It builds parafor first when dist/ is
// missing or older than lib/, and ends with a terminal chart and an SVG of step 6's speedup,
// written to a new folder under the system's temporary directory unless --svg names a file.
// Every number printed is measured in this run; the verdicts are computed from them, and
// every comparison is between runs that differ in one thing only. docs/tutorial.md walks
// through the same steps.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const SVG_NAME = 'parafor-demo-speedup.svg';
/** The tutorial's own figures (a 4-CPU machine). */
const PY = { cpus: 4, pool1Ms: 9.77, pool2Ms: 28.1, readS: [4.19, 1.99, 1.27, 0.91] };

// ---- arguments and build ---------------------------------------------------------------

// The machine's load before the demo runs anything (step 5 reports it; later, the demo's
// own build and steps would be in it).
const loadAtStart = os.loadavg();
const args = process.argv.slice(2);
const flags = [];
const files = [];
let svgArg;
for (let k = 0; k < args.length; k++) {
  const a = args[k];
  if (a === '--svg') {
    svgArg = args[++k];
    if (svgArg === undefined || svgArg.startsWith('--')) usage('--svg needs a file name');
  } else if (a.startsWith('--svg=')) svgArg = a.slice('--svg='.length);
  else if (a.startsWith('--')) flags.push(a);
  else files.push(a);
}
for (const f of flags) if (f !== '--quick' && f !== '--no-build') usage(`unknown option ${f}`);
if (files.length > 1) usage('give at most one text file');
const quick = flags.includes('--quick') || process.env.PARAFOR_DEMO_QUICK === '1';
// `npm run` starts scripts in the package root; INIT_CWD is where it was typed.
const here = process.env.npm_lifecycle_event === 'demo' && process.env.INIT_CWD ? process.env.INIT_CWD : process.cwd();
const textFile = files[0] === undefined ? undefined : path.resolve(here, files[0]);
if (textFile !== undefined && !fs.existsSync(textFile)) usage(`no such file: ${textFile}`);
const svgFile = svgArg === undefined ? undefined : path.resolve(here, svgArg);
if (svgFile !== undefined && !fs.existsSync(path.dirname(svgFile))) usage(`no such folder for the SVG: ${path.dirname(svgFile)}`);

function usage(msg) {
  process.stderr.write(`demo: ${msg}\nusage: npm run demo [-- [--quick] [--no-build] [--svg FILE] [TEXT_FILE]]\n`);
  process.exit(2);
}

/** The newest modification time under `dir` (files ending in `ext`), 0 when there are none. */
function newest(dir, ext) {
  let t = 0;
  for (const e of fs.readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (e.isFile() && e.name.endsWith(ext)) t = Math.max(t, fs.statSync(path.join(e.parentPath ?? e.path, e.name)).mtimeMs);
  }
  return t;
}

const mtime = (file) => (fs.existsSync(file) ? fs.statSync(file).mtimeMs : -1);

/** Runs `npm run SCRIPT` when `output` is missing or older than `newestInput`. */
function buildIfStale(script, output, newestInput) {
  if (mtime(output) >= newestInput) return;
  progressLine(`building: npm run ${script}`);
  const res = spawnSync('npm', ['run', script, '--silent'], { cwd: ROOT, stdio: ['ignore', 'inherit', 'inherit'] });
  if (res.status !== 0) {
    process.stderr.write(`demo: npm run ${script} failed (exit ${res.status})\n`);
    process.exit(1);
  }
}

// ---- output helpers ----------------------------------------------------------------------

const tty = process.stderr.isTTY === true;
let progressOpen = false;

/** A progress message on stderr: rewritten in place on a terminal, one line each otherwise. */
function progress(msg) {
  if (tty) {
    process.stderr.write(`\r\x1b[2K  .. ${msg}`);
    progressOpen = true;
  } else process.stderr.write(`  .. ${msg}\n`);
}

function progressLine(msg) {
  progress(msg);
  if (tty) process.stderr.write('\n');
  progressOpen = false;
}

function say(line = '') {
  if (progressOpen) {
    process.stderr.write('\r\x1b[2K');
    progressOpen = false;
  }
  process.stdout.write(`${line}\n`);
}

function heading(n, title) {
  say();
  say(`== ${n}. ${title} ${'='.repeat(Math.max(3, 72 - title.length))}`);
}

const ms = (x) => (x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2));
const us = (x) => (x >= 1000 ? `${ms(x / 1000)} ms` : `${x >= 10 ? x.toFixed(0) : x.toFixed(1)} us`);
/** A ratio to the precision that run-to-run noise leaves: 0.53x, 1.8x, 12x, 8100x. */
const ratio = (x) => `${x < 0.995 ? x.toFixed(2) : x < 9.95 ? x.toFixed(1) : Number(x.toPrecision(2)).toString()}x`;

function median(values) {
  const v = [...values].sort((a, b) => a - b);
  const n = v.length;
  return n % 2 ? v[(n - 1) / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/**
 * Times each case `rounds` times, the cases interleaved round by round (the machine's speed
 * drifts, and it is shared), and returns each case's median time per call in microseconds.
 */
async function timeCases(cases, rounds, label) {
  const samples = cases.map(() => []);
  for (let r = 0; r < rounds; r++) {
    if (r % 10 === 0 || rounds < 20) progress(`${label}: round ${r + 1} of ${rounds}`);
    for (let c = 0; c < cases.length; c++) {
      const t0 = performance.now();
      await cases[c].run();
      samples[c].push((performance.now() - t0) * 1000);
    }
  }
  return samples.map(median);
}

/** A horizontal bar of `value` on a scale where `full` fills `width` characters. */
function bar(value, full, width = 40) {
  const n = Math.max(0, Math.min(width, Math.round((value / full) * width)));
  return `${'#'.repeat(n)}${' '.repeat(width - n)}`;
}

// ---- the tour ----------------------------------------------------------------------------

const build = !flags.includes('--no-build');
if (build) buildIfStale('build', path.join(ROOT, 'dist', 'index.js'), newest(path.join(ROOT, 'lib'), '.ts'));
if (build && textFile === undefined) {
  // The generated text comes from the docs' corpus generator, compiled with the specs.
  buildIfStale('build:spec', path.join(ROOT, 'build', 'docs', 'examples', 'corpus.js'), mtime(path.join(ROOT, 'docs', 'examples', 'corpus.ts')));
}
const { Team, cpuCount, numThreads, partitionLines, reduceLines } = await import('parafor');

const threads = Math.max(2, Math.min(numThreads(), 16));
const team = new Team({ numThreads: threads });
let failures = 0;

say(`parafor: the Python multiprocessing tutorial, measured on this machine${quick ? ' (quick mode: small sizes)' : ''}`);
say(`Node ${process.version}, ${os.cpus()[0]?.model ?? 'unknown CPU'}`);

// 1. cpu_count() -------------------------------------------------------------------------
heading(1, 'cpu_count(): how many CPUs, how many threads');
say(`Python: multiprocessing.cpu_count() -> ${PY.cpus} on the tutorial's machine`);
say(`parafor: cpuCount() -> ${cpuCount()} (os.availableParallelism(); os.cpus() lists ${os.cpus().length})`);
const envThreads = process.env.PARAFOR_NUM_THREADS ?? process.env.OMP_NUM_THREADS;
say(`team size: ${threads} threads (${envThreads !== undefined ? `from the environment, ${envThreads}` : 'one per CPU'}${threads !== numThreads() ? `, at least 2 and at most 16; numThreads() says ${numThreads()}` : ''})`);
progress('starting the team');
const t0 = performance.now();
await team.start({ forAsync: true });
say(`starting the team's workers took ${ms(performance.now() - t0)} ms, once; every later call reuses them`);

// 2. Process(target=squareInput, args=(v,)) ---------------------------------------------------
heading(2, 'Process(target=squareInput): one task per value, each says who ran it');
say('Python: five Processes, each printing "1 squared to 1 by pid: 4987"');
say('parafor: one loop over 1..5, one index per chunk (static, chunk 1), each recording ctx.threadId');
const square = new Int32Array(new SharedArrayBuffer(6 * 4));
const ranBy = new Int32Array(new SharedArrayBuffer(6 * 4));
const pids = new Int32Array(new SharedArrayBuffer(6 * 4));
await team.parallelFor(
  1,
  6,
  (v, s, ctx) => {
    s.square[v] = v * v;
    s.ranBy[v] = ctx.threadId;
    s.pids[v] = process.pid;
  },
  { shared: { square, ranBy, pids }, schedule: 'static', chunk: 1, serialBelowUs: 0 },
);
for (let v = 1; v <= 5; v++) say(`${v} squared to ${square[v]} by thread ${ranBy[v]} of ${threads} (pid ${pids[v]})`);
const used = new Set(ranBy.subarray(1)).size;
say(`${used} different threads ran them, all in process ${process.pid}: threads share one process and its memory, where Python forks processes`);

// 3. Pool(2).map(fxnSer, range(10)) ----------------------------------------------------------
heading(3, 'Pool.map(fxnSer, range(10))');
const range10 = Array.from({ length: 10 }, (_, i) => i);
const mapped = await team.parallelMap(range10, (x) => x * x);
say(`Python: Pool(2).map(fxnSer, range(10)) -> [0, 1, 4, ..., 81], then pool.close()`);
say(`parafor: await team.parallelMap(range10, (x) => x * x) -> [${mapped.join(', ')}]`);
say('closing: the team is closed at the end (await team.close(), or `await using`); idle workers sleep and never keep the process alive');

// 4. The overhead lesson -----------------------------------------------------------------------
heading(4, 'the overhead lesson: tiny work, and work that pays');
say(`Python: Pool(1).map over range(1000) took ${PY.pool1Ms} ms, Pool(2) ${PY.pool2Ms} ms: parallel was ${ratio(PY.pool2Ms / PY.pool1Ms)} slower on tiny work`);
const items = Array.from({ length: 1000 }, (_, i) => i);
const want = items.map((x) => x * x);
const sameSquares = (r) => r.length === want.length && r.every((x, i) => x === want[i]);

// A worker fed one message per item, the way a process pool hands out tasks.
const pool = new Worker('const { parentPort } = require("node:worker_threads"); parentPort.on("message", (x) => parentPort.postMessage(x * x));', { eval: true });
function poolMap(list) {
  return new Promise((resolve) => {
    const out = [];
    const onMessage = (y) => {
      out.push(y);
      if (out.length === list.length) {
        pool.off('message', onMessage);
        resolve(out);
      }
    };
    pool.on('message', onMessage);
    for (const x of list) pool.postMessage(x);
  });
}

// Python's figures include starting the pool: a fresh team, one map, closed.
const coldRounds = quick ? 1 : 3;
const cold = [];
for (let r = 0; r < coldRounds; r++) {
  progress(`a fresh team of ${threads} + one map: ${r + 1} of ${coldRounds}`);
  const c0 = performance.now();
  const fresh = new Team({ numThreads: threads });
  const res = await fresh.parallelMap(items, (x) => x * x, { serialBelowUs: 0 });
  await fresh.close();
  cold.push(performance.now() - c0);
  if (!sameSquares(res)) failures++;
}

const checks = [];
// Like with like: the threads lesson compares the same forced parallel map on 1 and on N
// threads (serialBelowUs: 0, so neither runs on the calling thread by the serial fallback),
// as Python's Pool(1) and Pool(2) are the same pool at two sizes; the fallback's lesson
// compares parafor's default with the plain loop that it runs instead.
const forced = { serialBelowUs: 0 };
// The forced runs square with a function of their own source: parafor learns a function's
// cost per source, and a forced run's timing must not steer the default run's choice.
const squareForced = (v) => v * v;
const tiny = [
  { name: 'plain loop, items.map(x => x * x)', run: () => checks.push(items.map((x) => x * x)) },
  { name: 'parallelMap, default options', run: () => checks.push(team.parallelMapSync(items, (x) => x * x)) },
  { name: 'parallelMap, 1 thread, serialBelowUs: 0', run: () => checks.push(team.parallelMapSync(items, squareForced, { ...forced, numThreads: 1 })) },
  { name: `parallelMap, ${threads} threads, serialBelowUs: 0`, run: () => checks.push(team.parallelMapSync(items, squareForced, forced)) },
];
// The message pool is timed on its own: its thousand messages a round leave work behind (the
// garbage of a thousand messages) that would land on whichever case ran next.
const tinyUs = [
  ...(await timeCases(tiny, quick ? 20 : 300, 'maps of 1000 squares')),
  ...(await timeCases([{ run: async () => checks.push(await poolMap(items)) }], quick ? 20 : 100, 'one message per item')),
];
tiny.push({ name: 'one postMessage per item to a worker' });
await pool.terminate();
if (!checks.every(sameSquares)) failures++;
say(`cold, like the tutorial's figures (which include starting the pool): a fresh team of ${threads} and one map took ${ms(median(cold))} ms, against Pool(2)'s ${PY.pool2Ms} ms there`);
say(`here, a map of 1000 squares (median of ${quick ? 20 : 300} interleaved rounds; the first ${coldRounds === 1 ? 'row is one cold run' : `row is the median of ${coldRounds} cold runs`}, the last ${quick ? 20 : 100} rounds of its own):`);
const tinyRows = [{ name: `fresh team of ${threads} + parallelMap + close`, us: median(cold) * 1000 }, ...tiny.map((c, i) => ({ name: c.name, us: tinyUs[i] }))];
for (const row of tinyRows) say(`  ${row.name.padEnd(48)} ${us(row.us).padStart(9)}   ${ratio(row.us / tinyUs[0]).padStart(7)} the plain loop`);
const [plainUs, defaultUs, oneUs, allUs, postUs] = tinyUs;
say(
  `the threads lesson, like Pool(1) against Pool(2): with serialBelowUs: 0 on both, the tiny map on ${threads} threads took ${ratio(allUs / oneUs)} its time on 1 thread ` +
    `(${allUs > oneUs * 1.1 ? 'more threads cost more than they save on work this small' : allUs < oneUs * 0.9 ? 'more threads saved time even on work this small, in this run' : 'about the same: on work this small the threads save nothing'}).`,
);
say(
  `the serial fallback: with its default options, after its first call has timed the function, parafor runs a map this small on the calling thread: ` +
    `${ratio(defaultUs / plainUs)} the plain loop's time, where one message per item to a worker took ${ratio(postUs / plainUs)}.`,
);

// Heavier items: each a few milliseconds of arithmetic.
const heavyN = quick ? 4 * threads : 8 * threads;
const heavyWork = quick ? 200_000 : 2_000_000;
const heavy = Array.from({ length: heavyN }, (_, i) => i);
const heavyFn = (x, _i, s) => {
  let acc = 0;
  for (let k = 0; k < s.work; k++) acc += Math.sqrt(k + x);
  return acc;
};
const heavyOut = [];
const heavyCases = [1, threads].map((t) => ({ run: async () => heavyOut.push(await team.parallelMap(heavy, heavyFn, { numThreads: t, shared: { work: heavyWork } })) }));
const heavyUs = await timeCases(heavyCases, quick ? 1 : 7, `${heavyN} heavy items`);
if (!heavyOut.every((r) => r.every((x, i) => x === heavyOut[0][i]))) failures++;
say(`heavier items: ${heavyN} items of ${heavyWork.toLocaleString('en-US')} square roots each: 1 thread ${ms(heavyUs[0] / 1000)} ms, ${threads} threads ${ms(heavyUs[1] / 1000)} ms: speedup ${ratio(heavyUs[0] / heavyUs[1])} (same results on both)`);

// 5. Know your machine ---------------------------------------------------------------------------
heading(5, 'not every machine gives you many CPUs: know yours and its other users');
say(`this machine: ${cpuCount()} CPUs for Node, load average ${loadAtStart.map((x) => x.toFixed(2)).join(' / ')} (1 / 5 / 15 min, read before the demo ran anything)`);
// What other programs use now: the CPUs' busy time over a pause of this demo (its team's
// workers are asleep by then), from the kernel's per-CPU counters.
progress('measuring what other programs use, for half a second');
await new Promise((resolve) => setTimeout(resolve, 200));
const busyOthers = await busyCpus(500);
say(`while this demo paused for 0.5 s, other programs kept ${busyOthers.toFixed(1)} of ${os.cpus().length} CPUs busy`);
say(
  busyOthers >= 0.5
    ? `other programs keep about ${busyOthers.toFixed(1)} CPUs busy: parallel speedups here will be below what the core count promises`
    : 'the machine is mostly idle: speedups should come close to the core count when the work is large enough',
);
say('set the team size with PARAFOR_NUM_THREADS (or OMP_NUM_THREADS) or new Team({ numThreads }); a team larger than the core count does not spin');

// 6. Reading the text by sections -----------------------------------------------------------------
heading(6, 'reading the text by sections on 1..N threads');
say(`Python: pool.map(readLine, file) over t8.shakespeare.txt (5.5 MB) on 1-4 processes: ${PY.readS.map((s) => `${s} s`).join(', ')}`);
let file = textFile;
let scratch;
if (file === undefined) {
  const bytes = quick ? 400_000 : 5_500_000;
  progress(`generating ${(bytes / 1e6).toFixed(1)} MB of Shakespeare-like text`);
  const { writeCorpus } = await import(path.join(ROOT, 'build', 'docs', 'examples', 'corpus.js'));
  scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'parafor-demo-'));
  file = path.join(scratch, 'shakespeare-like.txt');
  writeCorpus(file, bytes, 1616);
  say(`text: ${bytes.toLocaleString('en-US')} bytes generated (deterministic, Shakespeare-like words) in ${file}`);
} else say(`text: ${file}, ${fs.statSync(file).size.toLocaleString('en-US')} bytes`);

const sections = partitionLines(file, threads);
say(`partitionLines(file, ${threads}): ${sections.map(([a, b]) => `[${a}, ${b})`).join(' ')}: one section per thread, cut at line ends`);

// The reference: one thread, no parafor.
progress('counting words on one thread, without parafor');
const s0 = performance.now();
const reference = new Map();
for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
  for (const word of line.toLowerCase().split(/[^\p{L}']+/u)) if (word !== '') reference.set(word, (reference.get(word) ?? 0) + 1);
}
const referenceMs = performance.now() - s0;
const top10 = (counts) => [...counts].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).slice(0, 10);
const wantTop = top10(reference);
say(`single-thread count (readFileSync + split, no parafor): ${ms(referenceMs)} ms, ${[...reference.values()].reduce((a, b) => a + b, 0).toLocaleString('en-US')} words, ${reference.size} distinct`);

/** Word frequencies with reduceLines: each thread counts its own section into a Map. */
const countWords = (t) =>
  reduceLines(
    file,
    (counts, line) => {
      for (const word of line.toLowerCase().split(/[^\p{L}']+/u)) if (word !== '') counts.set(word, (counts.get(word) ?? 0) + 1);
      return counts;
    },
    {
      identity: () => new Map(),
      combine: (a, b) => {
        for (const [word, n] of b) a.set(word, (a.get(word) ?? 0) + n);
        return a;
      },
    },
    { team, numThreads: t },
  );

const counts = Array.from({ length: threads }, (_, i) => i + 1);
const results = new Map();
const textUs = await timeCases(
  counts.map((t) => ({ run: async () => results.set(t, await countWords(t)) })),
  quick ? 1 : 5,
  `reduceLines on 1..${threads} threads`,
);
const textMs = textUs.map((x) => x / 1000);
say('threads   time      speedup   the tutorial (processes)');
counts.forEach((t, i) => {
  const py = PY.readS[i] === undefined ? '' : `${PY.readS[i]} s, ${ratio(PY.readS[0] / PY.readS[i])}`;
  say(`${String(t).padStart(7)}   ${`${ms(textMs[i])} ms`.padEnd(9)} ${ratio(textMs[0] / textMs[i]).padStart(7)}   ${py}`);
});
const mismatched = counts.filter((t) => JSON.stringify(top10(results.get(t))) !== JSON.stringify(wantTop));
if (mismatched.length === 0) say(`top 10 at every thread count (1..${threads}): equal to the single-thread count`);
else {
  failures++;
  say(`top 10 DIFFERS from the single-thread count at ${mismatched.join(', ')} threads`);
}
say(`top 10 words: ${wantTop.map(([w, n]) => `${w} ${n}`).join(', ')}`);
if (scratch !== undefined) fs.rmSync(scratch, { recursive: true, force: true });

// 7. Other tools ---------------------------------------------------------------------------------
heading(7, 'the other tools: mpi4py, PyMP, VecPy');
say('mpi4py (MPI, many processes and machines): no counterpart; parafor is one process on one machine.');
say('  Between Node threads, worker_threads messages (postMessage, MessageChannel) are the message passing.');
say('PyMP (OpenMP for Python, forked processes): parafor is the same idea with threads:');
say('  pymp.Parallel(n) -> team.parallel(body, { numThreads: n }); p.range -> ctx.for or parallelFor;');
say('  pymp.shared.array -> sharedArray(Float64Array, n); p.lock -> ctx.critical or Mutex.');
say('VecPy (SIMD vectorisation): no counterpart; JavaScript has no SIMD of its own (WebAssembly SIMD is the route).');
say('docs/tutorial.md has every step as code, and the OpenMP, multiprocessing and PyMP tables.');

// The chart ----------------------------------------------------------------------------------------
heading(8, 'the numbers as a chart');
say('a map of 1000 squares (time on a log scale, 1 us to 1 s; longer is slower):');
for (const row of tinyRows) say(`  ${row.name.padEnd(48)} ${bar(Math.log10(Math.max(1, row.us)), 6, 24)} ${us(row.us)}`);
const speedups = textMs.map((x) => textMs[0] / x);
say(`reading the text by sections (speedup over 1 thread; | marks ${threads}x):`);
for (let i = 0; i < threads; i++) {
  const b = bar(speedups[i], threads, 32);
  say(`  ${String(counts[i]).padStart(2)} thread${counts[i] === 1 ? ' ' : 's'} ${b}| ${ratio(speedups[i])}`);
}
const svgPath = svgFile ?? path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'parafor-demo-')), SVG_NAME);
fs.writeFileSync(svgPath, speedupSvg(counts, speedups));
say(`wrote ${svgPath} (the text step's speedup by thread count)`);

await team.close();
say();
say(failures === 0 ? 'all results checked: the parallel answers equal the serial ones' : `${failures} check(s) FAILED`);
process.exitCode = failures === 0 ? 0 : 1;

/** How many CPUs were busy, on average, over the next `ms` milliseconds (all processes). */
async function busyCpus(ms) {
  const total = () => os.cpus().reduce((acc, c) => {
    const t = c.times;
    acc.busy += t.user + t.nice + t.sys + t.irq;
    acc.all += t.user + t.nice + t.sys + t.irq + t.idle;
    return acc;
  }, { busy: 0, all: 0 });
  const a = total();
  await new Promise((resolve) => setTimeout(resolve, ms));
  const b = total();
  const all = b.all - a.all;
  return all > 0 ? ((b.busy - a.busy) / all) * os.cpus().length : 0;
}

/** A line chart of speedup against thread count, with the ideal (speedup = threads) dashed. */
function speedupSvg(ts, ss) {
  const W = 480;
  const H = 300;
  const left = 50;
  const right = 20;
  const top = 40;
  const bottom = 45;
  const maxT = ts.at(-1);
  const maxS = Math.ceil(Math.max(maxT, ...ss));
  const px = (t) => left + ((t - 1) / Math.max(1, maxT - 1)) * (W - left - right);
  const py = (s) => H - bottom - (s / maxS) * (H - top - bottom);
  const pts = (list) => list.map(([t, s]) => `${px(t).toFixed(1)},${py(s).toFixed(1)}`).join(' ');
  const svg = [`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="sans-serif" font-size="12">`];
  svg.push(`<text x="${left}" y="20" font-size="14">Word count by sections: speedup over 1 thread</text>`);
  for (let s = 0; s <= maxS; s++) {
    svg.push(`<line x1="${left}" x2="${W - right}" y1="${py(s)}" y2="${py(s)}" stroke="#ddd"/>`);
    svg.push(`<text x="${left - 8}" y="${py(s) + 4}" text-anchor="end">${s}</text>`);
  }
  for (const t of ts) svg.push(`<text x="${px(t)}" y="${H - bottom + 18}" text-anchor="middle">${t}</text>`);
  svg.push(`<text x="${(left + W - right) / 2}" y="${H - 8}" text-anchor="middle">threads (${os.cpus().length} CPUs, ${esc(os.cpus()[0]?.model ?? '')})</text>`);
  svg.push(`<polyline fill="none" stroke="#999" stroke-dasharray="5 4" points="${pts(ts.map((t) => [t, t]))}"/>`);
  svg.push(`<polyline fill="none" stroke="#1f77b4" stroke-width="2.5" points="${pts(ts.map((t, i) => [t, ss[i]]))}"/>`);
  ts.forEach((t, i) => svg.push(`<circle cx="${px(t)}" cy="${py(ss[i])}" r="4" fill="#1f77b4"><title>${t} threads: ${ratio(ss[i])}</title></circle>`));
  svg.push('</svg>');
  return `${svg.join('\n')}\n`;
}

function esc(s) {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;');
}
