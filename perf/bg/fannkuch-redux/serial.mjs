// fannkuch-redux, plain serial JavaScript.   node serial.mjs N
import { BLOCKS, fannkuchFold, fannkuchReducer, print } from './kernel.mjs';

const n = Number(process.argv[2] ?? 7);
print(n, fannkuchFold(fannkuchReducer.identity(), 0, BLOCKS, { n, blocks: BLOCKS }));
