// The text examples in docs/examples run as users run them (node build/docs/examples/X.js)
// and their output is checked: wc against the real `wc`, word-freq and csv-sum against a
// serial computation here.
import { execFileSync, spawnSync } from 'node:child_process';
import path from 'node:path';
import { ROOT } from './helpers.js';
import { randomText, scratchDir } from './text-fixtures.js';
import { corpusText } from '../docs/examples/corpus.js';

const tmp = scratchDir('examples');
afterAll(() => tmp.cleanup());

function example(name: string, ...args: string[]): string {
  const res = spawnSync(process.execPath, [path.join(ROOT, 'build/docs/examples', `${name}.js`), ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: 30_000,
    env: { ...process.env, PARAFOR_NUM_THREADS: '2' },
  });
  if (res.status !== 0) throw new Error(`${name} exited with ${res.status}: ${res.stderr}`);
  return res.stdout;
}

/** What GNU wc prints for one count of one file, as a number. */
function wc(flag: string, file: string): number {
  return Number(execFileSync('wc', [flag, file], { encoding: 'utf8', env: { ...process.env, LC_ALL: 'C.UTF-8' } }).trim().split(/\s+/)[0]);
}

describe('docs/examples/wc.ts', () => {
  const texts: Record<string, string> = {
    corpus: corpusText(400_000, 3),
    'tabs, CRLF, multi-byte, no final newline': `${randomText(11, 20_000)}\tlast  word`,
    'blank lines only': '\n\n\r\n\n',
    empty: '',
  };
  for (const [name, text] of Object.entries(texts)) {
    test(`${name}: the same counts as wc -l and wc -w`, () => {
      const file = tmp.file(`wc-${name.length}.txt`, text);
      expect(example('wc', file)).toBe(`${wc('-l', file)} ${wc('-w', file)} ${file}\n`);
    });
  }
});

describe('docs/examples/word-freq.ts', () => {
  test('the top 20 of a given file match a serial count', () => {
    const text = corpusText(300_000, 5);
    const file = tmp.file('freq.txt', text);
    const counts = new Map<string, number>();
    for (const word of text.toLowerCase().split(/[^\p{L}']+/u)) if (word !== '') counts.set(word, (counts.get(word) ?? 0) + 1);
    const top = [...counts].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).slice(0, 20);
    expect(example('word-freq', file)).toBe(top.map(([w, n]) => `${n}\t${w}\n`).join(''));
  });

  test('without a path it generates a corpus, counts it and cleans up', () => {
    const lines = example('word-freq').trim().split('\n');
    expect(lines).toHaveLength(20);
    expect(lines[0]).toMatch(/^\d+\tthe$/);
  });
});

describe('docs/examples/longest-line.ts', () => {
  test('line count, size and longest line match a serial scan', () => {
    const text = `${corpusText(200_000, 9)}${'w'.repeat(500)}\r\nlast`;
    const file = tmp.file('longest.txt', text);
    const lines = text.split('\n');
    const longest = Math.max(...lines.map((l) => Buffer.byteLength(l)));
    expect(example('longest-line', file)).toBe(`first line: ${lines[0]}\n${lines.length} ${Buffer.byteLength(text)} ${longest}\n`);
    expect(example('longest-line', tmp.file('empty.txt', ''))).toBe('first line: (none)\n0 0 0\n');
  });
});

describe('docs/examples/csv-sum.ts', () => {
  test('sums a column; CRLF rows and a missing final newline are fine', () => {
    const rows = Array.from({ length: 5000 }, (_, i) => `${i},item ${i},${(i % 97) * 0.25},${i % 7}`);
    const file = tmp.file('data.csv', `id,name,price,qty\r\n${rows.join('\r\n')}`);
    const price = rows.reduce((a, _, i) => a + (i % 97) * 0.25, 0);
    expect(example('csv-sum', file, 'price')).toBe(`5000 ${price}\n`);
    expect(example('csv-sum', file, 'qty')).toBe(`5000 ${rows.reduce((a, _, i) => a + (i % 7), 0)}\n`);
  });
});
