// `npm run demo` in quick mode, run as a child process from a scratch directory: its counts
// are checked exactly (the five squares and who ran them, the map, the text step's word
// counts against a serial count here), and so are its exit code, its comparisons (like with
// like), the precision of its ratios, and the SVG it writes (to a temporary folder, or to
// the file `--svg` names, never unasked into the folder it runs in).
import { spawnSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ROOT } from './helpers.js';
import { scratchDir } from './text-fixtures.js';
import { topWords, wordCounts } from './tutorial-fixtures.js';
import { corpusText, writeCorpus } from '../docs/examples/corpus.js';

const tmp = scratchDir('demo');
afterAll(() => tmp.cleanup());

/** Runs the demo in quick mode in `cwd` on the tree the test run built (no build check). */
function demo(cwd: string, ...args: string[]) {
  const env: NodeJS.ProcessEnv = { ...process.env, PARAFOR_NUM_THREADS: '2' };
  delete env.PARAFOR_DEMO_QUICK;
  delete env.npm_lifecycle_event;
  const res = spawnSync(process.execPath, [path.join(ROOT, 'scripts', 'demo.mjs'), '--quick', '--no-build', ...args], {
    cwd,
    env,
    encoding: 'utf8',
    timeout: 120_000,
  });
  return { status: res.status, pid: res.pid, stdout: res.stdout, stderr: res.stderr, lines: res.stdout.split('\n') };
}

const topLine = (counts: Map<string, number>) => `top 10 words: ${topWords(counts, 10).map(([w, n]) => `${w} ${n}`).join(', ')}`;

describe('the demo on its generated text', () => {
  let run: ReturnType<typeof demo>;
  beforeAll(() => {
    run = demo(tmp.dir);
  });

  test('exits 0 and says every check passed', () => {
    expect(run.stderr).not.toContain('Error');
    expect(run.status).toBe(0);
    expect(run.lines.at(-2)).toBe('all results checked: the parallel answers equal the serial ones');
  });

  test('steps 1 to 8, in order', () => {
    const headings = run.lines.filter((l) => l.startsWith('== ')).map((l) => Number(l.slice(3, 4)));
    expect(headings).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(run.stdout).toContain('team size: 2 threads (from the environment, 2)');
  });

  test('five squares, dealt to threads 0 and 1 in turn, all in the demo process', () => {
    const squares = run.lines.filter((l) => /^\d+ squared to /.test(l));
    expect(squares).toEqual([1, 2, 3, 4, 5].map((v) => `${v} squared to ${v * v} by thread ${(v - 1) % 2} of 2 (pid ${run.pid})`));
    expect(run.stdout).toContain(`2 different threads ran them, all in process ${run.pid}`);
  });

  test('the map of range(10)', () => {
    expect(run.stdout).toContain('parafor: await team.parallelMap(range10, (x) => x * x) -> [0, 1, 4, 9, 16, 25, 36, 49, 64, 81]\n');
  });

  test('the overhead lesson: five measured cases and a cold team, heavier items agree', () => {
    const rows = run.lines.filter((l) => /^ {2}\S.* \d+(\.\d+)? (us|ms) +[\d.]+x the plain loop$/.test(l));
    expect(rows.map((l) => l.slice(2, 50).trim())).toEqual([
      'fresh team of 2 + parallelMap + close',
      'plain loop, items.map(x => x * x)',
      'parallelMap, default options',
      'parallelMap, 1 thread, serialBelowUs: 0',
      'parallelMap, 2 threads, serialBelowUs: 0',
      'one postMessage per item to a worker',
    ]);
    expect(run.stdout).toMatch(/\nheavier items: 8 items of 200,000 square roots each: 1 thread [\d.]+ ms, 2 threads [\d.]+ ms: speedup [\d.]+x \(same results on both\)\n/);
  });

  test('like with like: the threads lesson compares 1 and 2 threads both forced parallel, the fallback the default with the plain loop', () => {
    const rowUs = (name: string) => {
      const row = run.lines.find((l) => l.startsWith(`  ${name} `))!;
      const [, value, unit] = /([\d.]+) (us|ms) /.exec(row.slice(50))!;
      return Number(value) * (unit === 'ms' ? 1000 : 1);
    };
    const one = rowUs('parallelMap, 1 thread, serialBelowUs: 0');
    const two = rowUs('parallelMap, 2 threads, serialBelowUs: 0');
    const lesson = run.lines.find((l) => l.startsWith('the threads lesson'))!;
    expect(lesson).toMatch(/^the threads lesson, like Pool\(1\) against Pool\(2\): with serialBelowUs: 0 on both, the tiny map on 2 threads took ([\d.]+)x its time on 1 thread \((.*)\)\.$/);
    // The verdict follows the two rows it names (rounded as printed).
    const printed = Number(/took ([\d.]+)x/.exec(lesson)![1]);
    expect(Math.abs(printed - two / one) / (two / one)).toBeLessThan(0.2);
    expect(lesson).toContain(two > one * 1.1 ? 'more threads cost more' : two < one * 0.9 ? 'more threads saved time' : 'about the same');
    expect(run.stdout).toMatch(/\nthe serial fallback: with its default options, .* on the calling thread: [\d.]+x the plain loop's time, where one message per item to a worker took [\d.]+x\.\n/);
  });

  test('ratios are printed to the precision the noise leaves: at most two significant digits', () => {
    // Every ratio but the chart's scale mark ("| marks 2x", a thread count).
    const ratios = run.stdout.replace(/\| marks \d+x/, '').match(/\b[\d.]+x\b/g)!;
    expect(ratios.length).toBeGreaterThan(15);
    for (const r of ratios) expect(r).toMatch(/^(0\.\d\d|[1-9]\.\d|[1-9]\d|[1-9]\d0+)x$/);
  });

  test('the load figure is read before the demo ran anything, and what others use is measured while it pauses', () => {
    expect(run.stdout).toMatch(/\nthis machine: \d+ CPUs for Node, load average [\d.]+ \/ [\d.]+ \/ [\d.]+ \(1 \/ 5 \/ 15 min, read before the demo ran anything\)\n/);
    expect(run.stdout).toMatch(new RegExp(`\\nwhile this demo paused for 0\\.5 s, other programs kept \\d+\\.\\d of ${os.cpus().length} CPUs busy\\n`));
  });

  test('the text step: 400,000 generated bytes in two sections, top 10 equal to a serial count here', () => {
    const file = tmp.file('reference.txt', '');
    writeCorpus(file, 400_000, 1616);
    const counts = wordCounts(readFileSync(file, 'utf8'));
    expect(run.stdout).toContain('text: 400,000 bytes generated');
    expect(run.stdout).toMatch(/\npartitionLines\(file, 2\): \[0, \d+\) \[\d+, 400000\): one section per thread/);
    expect(run.stdout).toContain('top 10 at every thread count (1..2): equal to the single-thread count\n');
    expect(run.lines).toContain(topLine(counts));
    expect(run.lines.filter((l) => /^ {6}[12] {3}\d/.test(l))).toHaveLength(2);
  });

  test('ends with the chart and writes the SVG to a new temporary folder, not where it ran', () => {
    const wrote = /\nwrote (.*) \(the text step's speedup by thread count\)\n/.exec(run.stdout);
    const svg = wrote![1]!;
    expect(path.dirname(path.dirname(svg))).toBe(os.tmpdir());
    expect(path.basename(path.dirname(svg))).toMatch(/^parafor-demo-/);
    expect(path.basename(svg)).toBe('parafor-demo-speedup.svg');
    const text = readFileSync(svg, 'utf8');
    expect(text.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(text.match(/<circle /g)).toHaveLength(2);
    expect(readdirSync(tmp.dir).filter((f) => f.endsWith('.svg'))).toEqual([]);
    expect(run.lines.filter((l) => /^ {3}[12] threads? +#*\s*\| [\d.]+x$/.test(l))).toHaveLength(2);
  });
});

test('a given file, named relative to where the demo runs: its counts match a serial count', () => {
  const text = `${corpusText(120_000, 5)}Thou, THOU and thee; o'er the\r\nlast line without a newline`;
  tmp.file('given.txt', text);
  const run = demo(tmp.dir, 'given.txt');
  expect(run.status).toBe(0);
  const counts = wordCounts(text);
  const total = [...counts.values()].reduce((a, b) => a + b, 0);
  expect(run.stdout).toContain(`text: ${path.join(tmp.dir, 'given.txt')}, ${Buffer.byteLength(text).toLocaleString('en-US')} bytes\n`);
  expect(run.stdout).toMatch(new RegExp(`single-thread count \\(readFileSync \\+ split, no parafor\\): [\\d.]+ ms, ${total.toLocaleString('en-US')} words, ${counts.size} distinct`));
  expect(run.lines).toContain(topLine(counts));
  expect(run.stdout).toContain('equal to the single-thread count');
});

test('--svg FILE writes the chart to FILE, named relative to where the demo runs', () => {
  const run = demo(tmp.dir, '--svg', 'chart.svg');
  expect(run.status).toBe(0);
  const svg = path.join(tmp.dir, 'chart.svg');
  expect(run.stdout).toContain(`wrote ${svg} (the text step's speedup by thread count)`);
  expect(readFileSync(svg, 'utf8')).toMatch(/^<svg xmlns="http:\/\/www.w3.org\/2000\/svg"/);
  const missing = demo(tmp.dir, '--svg');
  expect(missing.status).toBe(2);
  expect(missing.stderr).toContain('demo: --svg needs a file name');
});

test('refuses unknown options and missing files with exit code 2', () => {
  const bad = demo(tmp.dir, '--fast');
  expect(bad.status).toBe(2);
  expect(bad.stderr).toContain('demo: unknown option --fast');
  const missing = demo(tmp.dir, 'no-such-file.txt');
  expect(missing.status).toBe(2);
  expect(missing.stderr).toContain(`demo: no such file: ${path.join(tmp.dir, 'no-such-file.txt')}`);
});

test('the README opens with the two commands a newcomer needs, and package.json has the demo', () => {
  const readme = readFileSync(path.join(ROOT, 'README.md'), 'utf8').split('\n');
  expect(readme.slice(0, 3)).toEqual(['# parafor', '', '```sh']);
  expect(readme[3]).toMatch(/^npm ci && npm run demo +# /);
  expect(readme[4]).toMatch(/^npm test +# /);
  const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
  expect(pkg.scripts.demo).toBe('node scripts/demo.mjs');
});
