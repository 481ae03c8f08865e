// Every code block of the README and guides is a file in docs/examples/, run here and checked.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { ROOT } from './helpers.js';

/** Runs an example: a TypeScript one from its build in build/docs/examples, `name.mjs` as it is. */
function example(name: string, args: string[] = []) {
  const file = name.endsWith('.mjs') ? path.join(ROOT, 'docs', 'examples', name) : path.join(ROOT, 'build', 'docs', 'examples', `${name}.js`);
  const res = spawnSync(process.execPath, [file, ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: 60_000,
  });
  if (res.status !== 0) throw new Error(`${name} exited with ${res.status}: ${res.stderr}`);
  return res.stdout;
}

test.each(['quickstart', 'quickstart.mjs'])('%s prints the sum of square roots and its double', (name) => {
  let want = 0;
  for (let i = 0; i < 1_000_000; i++) want += Math.sqrt(i);
  const out = example(name);
  expect(out).toContain(`sum of sqrt(i), i < 1e6: ${want.toFixed(3)}`);
  expect(out).toContain('doubled: 2.000000x');
});

test('range form and histogram count every element once', () => {
  const out = example('range-and-histogram');
  let bin0 = 0;
  for (let i = 0; i < 2_000_000; i++) if (((Math.imul(i, 2654435761) >>> 24) & 255) === 0) bin0++;
  expect(out.trim()).toBe(`bins: 256, counted: 2000000, bin 0: ${bin0}`);
});

test('the tutorial: cpu_count, Process as sections, Pool.map', () => {
  const out = example('tutorial');
  expect(out).toContain('sections: [1,4,9] [1,8,27] hello, parafor');
  expect(out).toContain('map round 2: 1000 results, last 998001');
  expect(out).toMatch(/^cpu_count: \d+$/m);
});

test('a parallel region with barriers, worksharing, single and critical', () => {
  // b[i] = i for 1 <= i < 999 (the mean of i-1, i, i+1), b[0] = b[999] = 0.
  let want = 0;
  for (let i = 1; i < 999; i++) want += i;
  expect(example('regions').trim()).toBe(`threads: 4, sum of smoothed values: ${want}`);
});

test('the README shows the examples verbatim', () => {
  const readme = readFileSync(path.join(ROOT, 'README.md'), 'utf8');
  for (const name of ['quickstart.ts', 'quickstart.mjs', 'range-and-histogram.ts']) {
    const src = readFileSync(path.join(ROOT, 'docs', 'examples', name), 'utf8').trim();
    expect(readme).toContain(src);
  }
});
