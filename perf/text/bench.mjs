// Text loader benchmark: line and word counts of a 1 GiB English-like file with parafor at 1
// and 2 threads, side by side with single-threaded Node (readFileSync + scan, readline) and
// GNU wc, in one run; then streaming a 6 GiB file, whose peak RSS is measured in a child
// process (the wc example). Every method must give the same answer. Results: perf/results/text.json and
// text.md, and the results section of docs/performance-text.md.
//
//   npm run build && npm run build:spec && node perf/text/bench.mjs [--size-mib=1024] [--stream-gib=6] [--reps=3] [--wait-s=300]
//
// (build:spec compiles docs/examples/corpus.ts, the corpus generator, to build/.)
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';
import { Team, loadText, reduceLines } from 'parafor';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const { writeCorpus } = await import(path.join(ROOT, 'build/docs/examples/corpus.js'));

const args = Object.fromEntries(process.argv.slice(2).map((a) => a.replace(/^--/, '').split('=')));
const SIZE = Math.round(Number(args['size-mib'] ?? 1024) * 2 ** 20);
const STREAM = Math.round(Number(args['stream-gib'] ?? 6) * 2 ** 30);
const REPS = Number(args.reps ?? 3);

// ---- the work, written once and used by every Node method ----------------------------------

/** Words in bytes[lo, hi): runs of bytes that are not ASCII white space (what wc -w counts on ASCII text). */
function countWords(acc, line) {
  let inWord = false;
  for (let i = 0; i < line.length; i++) {
    const b = line[i];
    const space = b === 32 || (b >= 9 && b <= 13);
    if (!space && !inWord) acc++;
    inWord = !space;
  }
  return acc;
}
const countLine = (n) => n + 1;

// ---- methods: each returns the count ---------------------------------------------------------

const team = new Team({ numThreads: 2 });

function wc(flag, file) {
  const out = execFileSync('wc', [flag, file], { encoding: 'utf8', env: { ...process.env, LC_ALL: 'C' } });
  return Number(out.trim().split(/\s+/)[0]);
}

function readFileLines(file) {
  const buf = fs.readFileSync(file);
  let n = 0;
  for (let i = buf.indexOf(10); i >= 0; i = buf.indexOf(10, i + 1)) n++;
  // A last line without a newline is a line (as for parafor).
  return buf.length > 0 && buf[buf.length - 1] !== 10 ? n + 1 : n;
}

function readFileWords(file) {
  return countWords(0, fs.readFileSync(file));
}

async function readlineCount(file, words) {
  const rl = readline.createInterface({ input: fs.createReadStream(file, { highWaterMark: 1 << 20 }), crlfDelay: Infinity });
  let n = 0;
  for await (const line of rl) {
    if (!words) n++;
    else {
      let inWord = false;
      for (let i = 0; i < line.length; i++) {
        const c = line.charCodeAt(i);
        const space = c === 32 || (c >= 9 && c <= 13);
        if (!space && !inWord) n++;
        inWord = !space;
      }
    }
  }
  return n;
}

const METHODS = {
  lines: {
    'wc -l': (f) => wc('-l', f),
    'node readFileSync + indexOf': readFileLines,
    'node readline': (f) => readlineCount(f, false),
    'parafor reduceLines, 1 thread': (f) => reduceLines(f, countLine, 'sum', { team, numThreads: 1 }),
    'parafor reduceLines, 2 threads': (f) => reduceLines(f, countLine, 'sum', { team, numThreads: 2 }),
    'parafor loadText, 1 thread': async (f) => (await loadText(f, { team, numThreads: 1 })).lineCount,
    'parafor loadText, 2 threads': async (f) => (await loadText(f, { team, numThreads: 2 })).lineCount,
  },
  words: {
    'wc -w': (f) => wc('-w', f),
    'node readFileSync + byte loop': readFileWords,
    'node readline': (f) => readlineCount(f, true),
    'parafor reduceLines, 1 thread': (f) => reduceLines(f, countWords, 'sum', { team, numThreads: 1, encoding: 'bytes' }),
    'parafor reduceLines, 2 threads': (f) => reduceLines(f, countWords, 'sum', { team, numThreads: 2, encoding: 'bytes' }),
  },
};
const BASELINE = { lines: 'node readFileSync + indexOf', words: 'node readFileSync + byte loop' };
/** Slow methods run once, not REPS times. */
const ONCE = new Set(['node readline']);

// ---- helpers --------------------------------------------------------------------------------

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)];
const mb = (bytes, ms) => bytes / 1e6 / (ms / 1e3);

/** What else is using the CPUs: the machine is shared, and a busy neighbour halves a 2-thread run. */
function load() {
  const [one] = os.loadavg();
  const top = execFileSync('ps', ['-eo', 'pcpu,pid,args', '--sort=-pcpu'], { encoding: 'utf8' })
    .split('\n')
    .slice(1, 4)
    .map((l) => l.trim().slice(0, 120))
    .filter((l) => l !== '' && !l.includes(String(process.pid)));
  return { loadavg1: Math.round(one * 100) / 100, busiest: top };
}

function machine() {
  const cpus = os.cpus();
  return { cpu: cpus[0]?.model ?? 'unknown', cores: cpus.length, node: process.version, platform: `${os.platform()} ${os.release()}`, memoryGiB: Math.round(os.totalmem() / 2 ** 30) };
}

// ---- the 1 GiB run --------------------------------------------------------------------------

// The machine may be shared: wait (up to --wait-s seconds, default 300) for the 1-minute load
// average to drop below 1, and record it either way.
const waitUntil = Date.now() + Number(args['wait-s'] ?? 300) * 1e3;
while (os.loadavg()[0] >= 1 && Date.now() < waitUntil) await new Promise((resolve) => setTimeout(resolve, 5000));

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'parafor-bench-text-'));
const file = path.join(dir, 'corpus.txt');
const results = { machine: machine(), date: new Date().toISOString(), sizeBytes: SIZE, reps: REPS, loadBefore: load(), counts: {}, timings: {}, stream: undefined };
try {
  let t0 = performance.now();
  writeCorpus(file, SIZE);
  console.log(`generated ${SIZE} bytes in ${((performance.now() - t0) / 1e3).toFixed(1)} s: ${file}`);
  // Page cache warm for everyone: every method then reads from memory.
  wc('-l', file);
  await team.start({ forAsync: true });

  // CPU control: how much a second thread buys on this machine right now, with no I/O at all.
  const sqrt = (acc, lo, hi) => {
    let s = 0;
    for (let i = lo; i < hi; i++) s += Math.sqrt(i);
    return acc + s;
  };
  const control = { 1: [], 2: [] };
  for (let rep = 0; rep < REPS; rep++) {
    for (const n of [1, 2]) {
      t0 = performance.now();
      await team.parallelReduceRange(0, 2e8, sqrt, 'sum', { numThreads: n, serialBelowUs: 0 });
      control[n].push(performance.now() - t0);
    }
  }
  results.control = { ms1: Math.round(median(control[1])), ms2: Math.round(median(control[2])) };
  results.control.speedup = Math.round((results.control.ms1 / results.control.ms2) * 100) / 100;
  console.log(`control: sum of sqrt(i), i < 2e8: 1 thread ${results.control.ms1} ms, 2 threads ${results.control.ms2} ms`);

  for (const [metric, methods] of Object.entries(METHODS)) {
    const times = Object.fromEntries(Object.keys(methods).map((m) => [m, []]));
    const answers = {};
    // Warm-up, unmeasured: compiles the folds and the kernels on every thread.
    await methods['parafor reduceLines, 2 threads'](file);
    for (let rep = 0; rep < REPS; rep++) {
      for (const [name, run] of Object.entries(methods)) {
        if (ONCE.has(name) && rep > 0) continue;
        global.gc?.();
        t0 = performance.now();
        const answer = await run(file);
        times[name].push(performance.now() - t0);
        answers[name] = answer;
        console.log(`${metric.padEnd(5)} ${name.padEnd(32)} ${String(answer).padStart(11)} ${times[name].at(-1).toFixed(0).padStart(6)} ms`);
      }
    }
    // Every method must agree (rayon-demo asserts num_primes).
    const distinct = new Set(Object.values(answers));
    if (distinct.size !== 1) throw new Error(`${metric}: methods disagree: ${JSON.stringify(answers)}`);
    results.counts[metric] = answers[BASELINE[metric]];
    const base = median(times[BASELINE[metric]]);
    results.timings[metric] = Object.fromEntries(
      Object.entries(times).map(([name, ts]) => [
        name,
        { ms: ts.map((t) => Math.round(t)), medianMs: Math.round(median(ts)), mbPerS: Math.round(mb(SIZE, median(ts))), vsBaseline: Math.round((base / median(ts)) * 100) / 100 },
      ]),
    );
  }
  results.loadAfter = load();
  fs.rmSync(file);

  // ---- streaming a large file: peak RSS in a child process ----------------------------------
  const big = path.join(dir, 'stream.txt');
  t0 = performance.now();
  writeCorpus(big, STREAM);
  console.log(`generated ${STREAM} bytes in ${((performance.now() - t0) / 1e3).toFixed(1)} s`);
  t0 = performance.now();
  const wcLines = wc('-l', big);
  const wcMs = performance.now() - t0;
  // The wc example itself (docs/examples/wc.ts), 2 threads, with its peak RSS printed at exit.
  // Through sh, which forks once more: Linux carries the RSS of a forked process over into the
  // maxRSS of the program it execs, so a child forked straight from this (large) process
  // would report this process's RSS. sh is small when it forks.
  const wcExample = path.join(ROOT, 'build/docs/examples/wc.js');
  const rssHook = path.join(ROOT, 'perf/text/rss-on-exit.mjs');
  t0 = performance.now();
  const child = spawnSync('/bin/sh', ['-c', '"$@"; exit $?', 'sh', process.execPath, '--import', rssHook, wcExample, big], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: 300_000,
    env: { ...process.env, PARAFOR_NUM_THREADS: '2' },
  });
  const ms = Math.round(performance.now() - t0);
  if (child.status !== 0) throw new Error(`wc example failed: ${child.stderr}`);
  const [lines, words] = child.stdout.trim().split(' ').map(Number);
  const stream = { lines, words, ms, threads: 2, ...JSON.parse(child.stderr.trim().split('\n').at(-1)) };
  if (stream.lines !== wcLines) throw new Error(`stream: the wc example counted ${stream.lines} lines, wc -l ${wcLines}`);
  results.stream = { sizeBytes: STREAM, ...stream, mbPerS: Math.round(mb(STREAM, stream.ms)), wcLinesMs: Math.round(wcMs), loadDuring: load() };
  console.log(`stream ${STREAM} bytes: ${stream.lines} lines in ${stream.ms} ms, peak RSS ${stream.maxRssMiB} MiB`);
} finally {
  fs.rmSync(dir, { recursive: true, force: true });
  await team.close();
}

// ---- reports ---------------------------------------------------------------------------------

const outDir = path.join(ROOT, 'perf/results');
fs.mkdirSync(outDir, { recursive: true });
fs.writeFileSync(path.join(outDir, 'text.json'), `${JSON.stringify(results, null, 2)}\n`);

const m = results.machine;
const rows = [];
rows.push(`Measured ${results.date.slice(0, 10)} on ${m.cpu}, ${m.cores} cores, ${m.memoryGiB} GiB, Node ${m.node}; ` +
  `${(SIZE / 2 ** 30).toFixed(2)} GiB English-like file in the page cache; median of ${REPS} interleaved runs (readline: 1 run). ` +
  `"vs baseline" is the single-threaded Node readFileSync + scan time divided by the method's time, both from this run. ` +
  `Load average before / after: ${results.loadBefore.loadavg1} / ${results.loadAfter.loadavg1}.`);
rows.push('');
rows.push(`CPU control in the same run (parallelReduceRange, sum of sqrt(i) for i < 2e8, no I/O): 1 thread ${results.control.ms1} ms, ` +
  `2 threads ${results.control.ms2} ms, so a second thread bought ${results.control.speedup}x during this run.`);
rows.push('');
for (const [metric, table] of Object.entries(results.timings)) {
  rows.push(`**${metric}** (${results.counts[metric]} in the file)`, '', '| method | median ms | MB/s | vs baseline |', '|---|---:|---:|---:|');
  for (const [name, t] of Object.entries(table)) rows.push(`| ${name} | ${t.medianMs} | ${t.mbPerS} | ${t.vsBaseline.toFixed(2)}x |`);
  rows.push('');
}
const s = results.stream;
rows.push(
  `**streaming** ${(s.sizeBytes / 2 ** 30).toFixed(0)} GiB through docs/examples/wc.ts (reduceLines, lines and words in one pass, 2 threads, default 256 KiB blocks), in a child process: ` +
    `${s.lines} lines, ${s.words} words in ${(s.ms / 1e3).toFixed(1)} s with start-up (${s.mbPerS} MB/s); **peak RSS ${s.maxRssMiB} MiB** ` +
    `(process.resourceUsage().maxRSS, the workers included; VmHWM ${s.vmHwmMiB} MiB). wc -l on the same file: ${(s.wcLinesMs / 1e3).toFixed(1)} s.`,
);
const table = rows.join('\n');
fs.writeFileSync(path.join(outDir, 'text.md'), `# Text loader benchmark\n\n${table}\n`);

const docs = path.join(ROOT, 'docs/performance-text.md');
if (fs.existsSync(docs)) {
  const text = fs.readFileSync(docs, 'utf8');
  const start = '<!-- results:start -->';
  const end = '<!-- results:end -->';
  const i = text.indexOf(start);
  const j = text.indexOf(end);
  if (i >= 0 && j > i) fs.writeFileSync(docs, `${text.slice(0, i + start.length)}\n${table}\n${text.slice(j)}`);
}
console.log(`\n${table}`);
