// mandelbrot, plain serial JavaScript.   node serial.mjs W
import { mandelRows, writeP4 } from './kernel.mjs';

const w = Number(process.argv[2] ?? 200);
const bytes = new Uint8Array(((w + 7) >> 3) * w);
mandelRows(0, w, { w, bytes });
writeP4(w, bytes);
