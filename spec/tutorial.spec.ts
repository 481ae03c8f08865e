// docs/tutorial.md: every step's example runs as users run it and prints what the page says
// it prints; the page shows each example verbatim; the translation tables cite only names
// that parafor has.
import { readdirSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as parafor from 'parafor';
import { RegionContext } from '#internal/run/context.js';
import { ROOT } from './helpers.js';
import { scratchDir } from './text-fixtures.js';
import { runExample, topWords, wordCounts } from './tutorial-fixtures.js';
import { corpusText } from '../docs/examples/corpus.js';

const tmp = scratchDir('tutorial');
afterAll(() => tmp.cleanup());
const page = readFileSync(path.join(ROOT, 'docs', 'tutorial.md'), 'utf8');

test('step 1: cpu_count and the team size from the environment', () => {
  const out = runExample('tutorial-cpu-count', [], { PARAFOR_NUM_THREADS: '3' });
  expect(out).toMatch(new RegExp(`^cpu_count: ${os.availableParallelism()}\nthreads per loop: 3\nload average: \\d+\\.\\d\\d \\((busy|mostly idle)\\)\n$`));
});

test('step 2: five squares, dealt to the two threads in turn', () => {
  const want = [1, 2, 3, 4, 5].map((v) => `${v} squared to ${v * v} by thread ${(v - 1) % 2}\n`).join('');
  // Run it a few times: the static schedule with chunk 1 gives every run the same threads.
  for (let run = 0; run < 3; run++) expect(runExample('tutorial-squares')).toBe(want);
});

test('step 3: Pool.map over range(10), then the team closes', () => {
  expect(runExample('tutorial-map')).toBe('[0,1,4,9,16,25,36,49,64,81]\nclosed: true\n');
});

test('step 4: the overhead example agrees with the plain loop and reports its times', () => {
  const out = runExample('tutorial-overhead');
  expect(out).toMatch(
    /^tiny items, same results: true\n {2}plain loop \d+\.\d us, 1 thread \d+\.\d us, 2 threads \d+\.\d us\nheavy items, same results: true\n {2}1 thread \d+\.\d ms, 2 threads \d+\.\d ms: speedup \d+\.\d\dx\n$/,
  );
});

describe('step 6: reading a text by sections', () => {
  test('a given file: the sections cover it and the counts match a serial count', () => {
    const text = `${corpusText(150_000, 21)}Thou art, thou ART! O'er the\r\nhills`;
    const file = tmp.file('sections.txt', text);
    const lines = runExample('tutorial-read', [file]).split('\n');
    const size = Buffer.byteLength(text);
    const cut = /^sections: \[\[0,(\d+)\],\[(\d+),(\d+)\]\]$/.exec(lines[0]!);
    expect(cut).not.toBeNull();
    expect([cut![1], cut![3]]).toEqual([cut![2], String(size)]);
    expect(text[Number(cut![1]) - 1]).toBe('\n');
    expect(lines[1]).toMatch(/^median of 3: 1 thread \d+\.\d ms, 2 threads \d+\.\d ms$/);
    const counts = wordCounts(text);
    const total = [...counts.values()].reduce((a, b) => a + b, 0);
    expect(lines[2]).toBe(`${total} words; top 5: ${topWords(counts, 5).map(([w, n]) => `${w} ${n}`).join(', ')}`);
    expect(lines.slice(3)).toEqual(['every count the same: true', '']);
  });

  test('without a file it reads a generated text', () => {
    expect(runExample('tutorial-read')).toMatch(/^sections: \[\[0,\d+\],\[\d+,2000000\]\]\n.*\n\d+ words; top 5: the \d+, .*\nevery count the same: true\n$/);
  });
});

test('step 7: the PyMP example, a region with a worksharing loop and a lock', () => {
  expect(runExample('tutorial-pymp')).toBe('threads: 2, indices done: 100, array sum: 100\n');
});

test('the page shows every tutorial example verbatim, and this spec runs each', () => {
  const examples = readdirSync(path.join(ROOT, 'docs', 'examples')).filter((f) => /^tutorial-.*\.ts$/.test(f));
  const here = readFileSync(path.join(ROOT, 'spec', 'tutorial.spec.ts'), 'utf8');
  expect(examples.length).toBeGreaterThanOrEqual(6);
  for (const name of examples) {
    expect(page).toContain(readFileSync(path.join(ROOT, 'docs', 'examples', name), 'utf8').trim());
    expect(here).toContain(`runExample('${name.replace(/\.ts$/, '')}'`);
  }
});

test('the translation tables cite only names parafor has', () => {
  const exported = new Set(Object.keys(parafor));
  const ctx = new RegionContext(0, 1, new Int32Array(new SharedArrayBuffer(4096)), 0);
  const methods = [parafor.Team, parafor.Mutex, parafor.Barrier].flatMap((c) => Object.getOwnPropertyNames(c.prototype));
  const tables = page.slice(page.indexOf('## OpenMP -> parafor'));
  const rows = tables.split('\n').filter((l) => l.startsWith('| ') && !l.startsWith('|---'));
  expect(rows.length).toBeGreaterThan(60);
  const cited: string[] = [];
  for (const row of rows) {
    // The parafor column: the second cell (escaped bars are part of a cell).
    const cell = row.split(/(?<!\\)\|/)[2] ?? '';
    for (const [, span] of cell.matchAll(/`([^`]+)`/g)) {
      for (const [, name] of span!.matchAll(/\bctx\.(\w+)/g)) {
        expect(`ctx.${name}: ${name! in ctx}`).toBe(`ctx.${name}: true`);
        cited.push(`ctx.${name}`);
      }
      for (const [, name] of span!.matchAll(/\bteam\.(\w+)/g)) {
        expect(`team.${name}: ${methods.includes(name!)}`).toBe(`team.${name}: true`);
        cited.push(`team.${name}`);
      }
      // Calls and class names not after a dot: exports of parafor, methods of its classes, or
      // JavaScript's own (Int32Array, AbortSignal).
      for (const [, call, type] of span!.matchAll(/(?<![.\w])([A-Za-z]\w*)\(|^([A-Z][a-z]\w*)$/g)) {
        const name = call ?? type!;
        expect(`${name}: ${exported.has(name) || methods.includes(name) || name in globalThis}`).toBe(`${name}: true`);
        cited.push(name);
      }
    }
  }
  // The scan found the names it should: a broken pattern would pass vacuously.
  for (const name of ['parallelForSync', 'parallelReduce', 'sharedArray', 'cpuCount', 'wtime', 'inParallel', 'ctx.critical', 'ctx.threadId', 'team.close', 'Mutex', 'withLock']) {
    expect(cited).toContain(name);
  }
});
