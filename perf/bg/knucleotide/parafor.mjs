// k-nucleotide counting with parafor: one range reduction over the positions, private bins
// per thread (a custom reducer).   node parafor.mjs LENGTH
import { parallelReduceRangeSync } from 'parafor';
import { countFold, countReducer, print } from './kernel.mjs';

const length = Number(process.argv[2] ?? 10_000);
print(length, parallelReduceRangeSync(0, length, countFold, countReducer, { shared: { length } }));
