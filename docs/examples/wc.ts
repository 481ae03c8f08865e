// wc: counts the lines and words of a file in parallel, as `wc -l` and `wc -w` do.
//
//   node build/docs/examples/wc.js FILE      prints "LINES WORDS FILE"
//
// A word is a run of bytes that are not ASCII white space (space, \t, \n, \v, \f, \r):
// what GNU wc counts in a UTF-8 locale for text whose only white space is ASCII (it also
// splits words at Unicode spaces such as U+3000, which this example does not). Lines arrive as byte views (encoding 'bytes'): nothing is
// decoded, and a '\n' byte never occurs inside a multi-byte UTF-8 character.
import fs from 'node:fs';
import { reduceLines } from 'parafor';

const path = process.argv[2];
if (path === undefined) {
  console.error('usage: node wc.js FILE');
  process.exit(2);
}

interface Counts {
  lines: number;
  words: number;
}

const counts = await reduceLines(
  path,
  (acc: Counts, line: Uint8Array) => {
    let inWord = false;
    for (let i = 0; i < line.length; i++) {
      const b = line[i]!;
      const space = b === 32 || (b >= 9 && b <= 13);
      if (!space && !inWord) acc.words++;
      inWord = !space;
    }
    acc.lines++;
    return acc;
  },
  // Each thread starts from a copy of the identity; partials combine in thread order.
  { identity: { lines: 0, words: 0 }, combine: (a, b) => ({ lines: a.lines + b.lines, words: a.words + b.words }) },
  { encoding: 'bytes' },
);

// `wc -l` counts newline characters: a last line without one is a line here, not there.
const size = fs.statSync(path).size;
if (size > 0) {
  const last = Buffer.alloc(1);
  const fd = fs.openSync(path, 'r');
  fs.readSync(fd, last, 0, 1, size - 1);
  fs.closeSync(fd);
  if (last[0] !== 10) counts.lines--;
}
console.log(`${counts.lines} ${counts.words} ${path}`);
