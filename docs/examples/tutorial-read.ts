// Tutorial step 6: reading a text by sections, one section per thread, and counting its
// words. The count at 2 threads must equal the count at 1.
//
//   node build/docs/examples/tutorial-read.js [FILE]
//
// Without FILE it writes 2 MB of English-like text to the temporary directory and reads that.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Team, partitionLines, reduceLines } from 'parafor';
import { writeCorpus } from './corpus.js';

let file = process.argv[2];
let scratch: string | undefined;
if (file === undefined) {
  scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'parafor-tutorial-'));
  file = path.join(scratch, 'text.txt');
  writeCorpus(file, 2_000_000, 7);
}

await using team = new Team({ numThreads: 2 });
try {
  // The sections: byte ranges cut at line ends, one per thread.
  console.log(`sections: ${JSON.stringify(partitionLines(file, 2))}`);
  const tops: string[] = [];
  const times: number[][] = [[], []];
  // Three rounds at 1 and 2 threads in turn; the first round also starts the workers.
  for (let call = 0; call < 6; call++) {
    const numThreads = 1 + (call % 2);
    const t0 = performance.now();
    // Each thread counts the words of its own section into a Map; the Maps are merged.
    const counts = await reduceLines(
      file,
      (acc: Map<string, number>, line: string) => {
        for (const word of line.toLowerCase().split(/[^\p{L}']+/u)) if (word !== '') acc.set(word, (acc.get(word) ?? 0) + 1);
        return acc;
      },
      {
        identity: () => new Map<string, number>(),
        combine: (a, b) => {
          for (const [word, n] of b) a.set(word, (a.get(word) ?? 0) + n);
          return a;
        },
      },
      { team, numThreads },
    );
    const ms = performance.now() - t0;
    const total = [...counts.values()].reduce((a, b) => a + b, 0);
    const top = [...counts].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).slice(0, 5);
    tops.push(`${total} words; top 5: ${top.map(([w, n]) => `${w} ${n}`).join(', ')}`);
    times[numThreads - 1]!.push(ms);
  }
  const [one, two] = times.map((t) => t.sort((a, b) => a - b)[1]!);
  console.log(`median of 3: 1 thread ${one!.toFixed(1)} ms, 2 threads ${two!.toFixed(1)} ms`);
  console.log(tops[0]);
  console.log(`every count the same: ${tops.every((t) => t === tops[0])}`);
} finally {
  if (scratch !== undefined) fs.rmSync(scratch, { recursive: true, force: true });
}
