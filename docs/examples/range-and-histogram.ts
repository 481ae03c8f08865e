// The range form for hot loops, and an array reduction (a histogram) with a custom reducer.
// (`await using` closes the team at the end of the scope: TypeScript compiles it for
// Node 20; in plain JavaScript on Node 20 and 22, call `await team.close()` in a `finally`.)
import { Team, sharedArray } from 'parafor';

await using team = new Team({ numThreads: 2 });
const n = 2_000_000;
const data = sharedArray(Uint8Array, n);

// Range form: the body gets a chunk [lo, hi) and loops itself; constants are literals.
team.parallelForRangeSync(0, n, (lo, hi, s) => {
  for (let i = lo; i < hi; i++) s.data[i] = (Math.imul(i, 2654435761) >>> 24) & 255;
}, { shared: { data } });

// Each thread fills private bins; the partials are added together in thread order.
const bins = team.parallelReduceRangeSync(
  0,
  n,
  (acc: Float64Array, lo, hi, s) => {
    for (let i = lo; i < hi; i++) acc[s.data[i]!]!++;
    return acc;
  },
  {
    identity: () => new Float64Array(256),
    combine: (a, b) => {
      for (let k = 0; k < 256; k++) a[k]! += b[k]!;
      return a;
    },
  },
  { shared: { data } },
);

let total = 0;
for (const b of bins) total += b;
console.log(`bins: ${bins.length}, counted: ${total}, bin 0: ${bins[0]}`);
