// k-nucleotide counting, plain serial JavaScript.   node serial.mjs LENGTH
import { BINS, countFold, print } from './kernel.mjs';

const length = Number(process.argv[2] ?? 10_000);
print(length, countFold(new Int32Array(BINS), 0, length, { length }));
