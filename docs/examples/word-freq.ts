// word-freq: the 20 most frequent words of a text, counted in parallel.
//
//   node build/docs/examples/word-freq.js [FILE]     prints "COUNT<TAB>WORD", most frequent first
//
// Without FILE it generates an English-like corpus of 6 MiB (about the size of the complete
// works of Shakespeare) in the temporary directory, counts it, and deletes it. Each thread
// fills a Map for its part of the file; the Maps travel back by structured clone and are
// merged in thread order.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { reduceLines } from 'parafor';
import { writeCorpus } from './corpus.js';

let file = process.argv[2];
let generated: string | undefined;
if (file === undefined) {
  generated = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'parafor-word-freq-')), 'corpus.txt');
  writeCorpus(generated, 6 * 2 ** 20);
  file = generated;
}

try {
  const freq = await reduceLines(
    file,
    (counts: Map<string, number>, line: string) => {
      // Words: runs of letters and apostrophes, compared in lower case.
      for (const word of line.toLowerCase().split(/[^\p{L}']+/u)) {
        if (word !== '') counts.set(word, (counts.get(word) ?? 0) + 1);
      }
      return counts;
    },
    {
      identity: () => new Map<string, number>(),
      combine: (a, b) => {
        for (const [word, n] of b) a.set(word, (a.get(word) ?? 0) + n);
        return a;
      },
    },
  );
  const top = [...freq].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).slice(0, 20);
  for (const [word, n] of top) console.log(`${n}\t${word}`);
} finally {
  if (generated !== undefined) fs.rmSync(path.dirname(generated), { recursive: true, force: true });
}
