// k-nucleotide counting with parafor: one range reduction over the positions, private bins
// per thread (a custom reducer). Counts are exact in any order, so the positions are handed
// out in dynamic chunks: threads that start late in the process's first call take a share
// (with `static`, each thread's block is its own, however late it comes).
//   node parafor.mjs LENGTH
import { parallelReduceRangeSync } from 'parafor';
import { countFold, countReducer, print } from './kernel.mjs';

const length = Number(process.argv[2] ?? 10_000);
print(length, parallelReduceRangeSync(0, length, countFold, countReducer, { shared: { length }, schedule: 'dynamic', chunk: 1 << 18 }));
