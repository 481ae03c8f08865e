// fannkuch-redux with parafor: one range reduction over the blocks of permutations, a custom
// reducer for the two results, dynamic schedule.   node parafor.mjs N
import { parallelReduceRangeSync } from 'parafor';
import { BLOCKS, fannkuchFold, fannkuchReducer, print } from './kernel.mjs';

const n = Number(process.argv[2] ?? 7);
print(n, parallelReduceRangeSync(0, BLOCKS, fannkuchFold, fannkuchReducer, { shared: { n, blocks: BLOCKS }, schedule: 'dynamic' }));
