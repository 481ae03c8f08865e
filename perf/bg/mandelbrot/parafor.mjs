// mandelbrot with parafor: one parallelForRangeSync over the rows, dynamic schedule (rows
// near the set cost more).   node parafor.mjs W
import { parallelForRangeSync, sharedArray } from 'parafor';
import { mandelRows, writeP4 } from './kernel.mjs';

const w = Number(process.argv[2] ?? 200);
const bytes = sharedArray(Uint8Array, ((w + 7) >> 3) * w);
parallelForRangeSync(0, w, mandelRows, { shared: { w, bytes }, schedule: 'dynamic' });
writeP4(w, bytes);
