// csv-sum: sums a numeric column of a CSV file in parallel, into a shared Float64Array.
//
//   node build/docs/examples/csv-sum.js FILE COLUMN     prints "ROWS SUM"
//
// The first line names the columns; fields are separated by commas (no quoted commas).
// Every thread adds into its own slot of a Float64Array on a SharedArrayBuffer (slots 128
// bytes apart, so threads do not write to the same cache line); the calling thread adds
// the slots in thread order, so the sum is the same on every run.
import fs from 'node:fs';
import { numThreads, reduceLines, sharedArray } from 'parafor';

const [file, column] = process.argv.slice(2);
if (file === undefined || column === undefined) {
  console.error('usage: node csv-sum.js FILE COLUMN');
  process.exit(2);
}

// The header: the first line, from the first 64 KiB.
const head = Buffer.alloc(64 * 1024);
const fd = fs.openSync(file, 'r');
const got = fs.readSync(fd, head, 0, head.length, 0);
fs.closeSync(fd);
const header = head.toString('utf8', 0, got).split('\n')[0]!.replace(/\r$/, '');
const index = header.split(',').indexOf(column);
if (index < 0) {
  console.error(`no column ${JSON.stringify(column)} in ${header}`);
  process.exit(1);
}

const threads = numThreads();
const STRIDE = 16; // Float64 slots per thread: 128 bytes
const sums = sharedArray(Float64Array, threads * STRIDE);

const rows = await reduceLines(
  file,
  (n: number, line: string, s: { sums: Float64Array; index: number; header: string; stride: number }, ctx) => {
    if (line === s.header || line === '') return n;
    let start = 0;
    for (let c = 0; c < s.index; c++) start = line.indexOf(',', start) + 1;
    const end = line.indexOf(',', start);
    const slot = ctx.threadId * s.stride;
    s.sums[slot] = s.sums[slot]! + Number(end < 0 ? line.slice(start) : line.slice(start, end));
    return n + 1;
  },
  'sum',
  { numThreads: threads, shared: { sums, index, header, stride: STRIDE } },
);

let total = 0;
for (let t = 0; t < threads; t++) total += sums[t * STRIDE]!;
console.log(`${rows} ${total}`);
