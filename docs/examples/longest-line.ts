// longest-line: loads a file with loadText, then finds the length of its longest line with a
// parallel loop over the line index. The bytes and the index live on SharedArrayBuffers, so
// they go to the threads in `shared` without a copy.
//
//   node build/docs/examples/longest-line.js FILE     prints "LINES BYTES LONGEST" (LONGEST in bytes, '\r' included)
import { loadText, parallelReduce } from 'parafor';

const file = process.argv[2];
if (file === undefined) {
  console.error('usage: node longest-line.js FILE');
  process.exit(2);
}

const text = await loadText(file);
console.log(`first line: ${text.lineCount > 0 ? text.line(0) : '(none)'}`);
const longest = await parallelReduce(
  0,
  text.lineCount,
  (best, n, s) => {
    // Line n ends at the '\n' before line n + 1, or at the end of the file.
    const size = s.bytes.length;
    const end = n + 1 < s.starts.length ? s.starts[n + 1]! - 1 : s.bytes[size - 1] === 10 ? size - 1 : size;
    return Math.max(best, end - s.starts[n]!);
  },
  'max',
  { shared: { bytes: text.bytes, starts: text.lineStarts } },
);
console.log(`${text.lineCount} ${text.byteLength} ${text.lineCount > 0 ? longest : 0}`);
