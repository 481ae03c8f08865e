// Child of perf/text/bench.mjs: streams a file with reduceLines (lines and words, one pass)
// and prints the counts, the time and the peak RSS of this process, workers included.
//
//   node perf/text/stream-child.mjs FILE THREADS
import fs from 'node:fs';
import { Team, reduceLines } from 'parafor';

const [file, threads] = process.argv.slice(2);
const team = new Team({ numThreads: Number(threads) });
await team.start(true);
const t0 = performance.now();
const counts = await reduceLines(
  file,
  (acc, line) => {
    let inWord = false;
    for (let i = 0; i < line.length; i++) {
      const b = line[i];
      const space = b === 32 || (b >= 9 && b <= 13);
      if (!space && !inWord) acc.words++;
      inWord = !space;
    }
    acc.lines++;
    return acc;
  },
  { identity: { lines: 0, words: 0 }, combine: (a, b) => ({ lines: a.lines + b.lines, words: a.words + b.words }) },
  { team, encoding: 'bytes' },
);
const ms = Math.round(performance.now() - t0);
await team.close();
// maxRSS is in kibibytes. VmHWM (the peak RSS of this address space) cross-checks it.
const maxRssMiB = Math.round((process.resourceUsage().maxRSS / 1024) * 10) / 10;
const hwm = /VmHWM:\s+(\d+) kB/.exec(fs.readFileSync('/proc/self/status', 'utf8'));
const vmHwmMiB = hwm ? Math.round((Number(hwm[1]) / 1024) * 10) / 10 : null;
console.log(JSON.stringify({ ...counts, ms, threads: Number(threads), maxRssMiB, vmHwmMiB }));
