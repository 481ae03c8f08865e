// Quickstart in plain JavaScript (an .mjs file, or "type": "module"). Run: node quickstart.mjs
import { parallelFor, parallelForSync, parallelReduceSync, parallelReduce, sharedArray, numThreads } from 'parafor';

// Data every thread sees lives in shared memory.
const n = 1_000_000;
const xs = sharedArray(Float64Array, n);

// parallelForSync: the calling thread takes part and returns when all indices are done.
parallelForSync(0, n, (i, s) => {
  s.xs[i] = Math.sqrt(i);
}, { shared: { xs } });

// parallelReduceSync: each thread folds its share, partials are combined in thread order.
const sum = parallelReduceSync(0, n, (acc, i, s) => acc + s.xs[i], 'sum', { shared: { xs } });

// The async forms never block the event loop.
await parallelFor(0, n, (i, s) => {
  s.xs[i] = 2 * s.xs[i];
}, { shared: { xs }, schedule: 'dynamic', chunk: 4096 });
const doubled = await parallelReduce(0, n, (acc, i, s) => acc + s.xs[i], 'sum', { shared: { xs } });

console.log(`threads: ${numThreads()}`);
console.log(`sum of sqrt(i), i < 1e6: ${sum.toFixed(3)}`);
console.log(`doubled: ${(doubled / sum).toFixed(6)}x`);
