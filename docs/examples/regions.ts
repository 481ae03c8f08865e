// A parallel region: phases separated by barriers, a worksharing loop, single, critical.
import { Team, sharedArray } from 'parafor';

await using team = new Team({ numThreads: 4 });
const n = 1000;
const a = sharedArray(Float64Array, n);
const b = sharedArray(Float64Array, n);
const stats = sharedArray(Float64Array, 2);

await team.parallel((s, ctx) => {
  // Phase 1: fill a, shared among the threads.
  ctx.for(0, 1000, (i) => {
    s.a[i] = i;
  });
  // Phase 2 reads a's neighbours: the worksharing loop's barrier made all of a visible.
  ctx.for(1, 999, (i) => {
    s.b[i] = (s.a[i - 1]! + s.a[i]! + s.a[i + 1]!) / 3;
  }, { schedule: 'dynamic', chunk: 64 });
  // One thread reports; every thread adds its share of the sum under a lock.
  ctx.single(() => {
    s.stats[1] = ctx.numThreads;
  });
  let mine = 0;
  ctx.for(0, 1000, (i) => {
    mine += s.b[i]!;
  }, { nowait: true });
  ctx.critical(() => {
    s.stats[0] = s.stats[0]! + mine;
  });
}, { shared: { a, b, stats } });

console.log(`threads: ${stats[1]}, sum of smoothed values: ${stats[0]}`);
