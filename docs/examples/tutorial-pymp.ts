// Tutorial step 7, PyMP in parafor: pymp.shared.array, pymp.Parallel, p.range and p.lock.
//
//   node build/docs/examples/tutorial-pymp.js
import { Team, sharedArray } from 'parafor';

await using team = new Team({ numThreads: 2 });
const exArray = sharedArray(Uint8Array, 100); // pymp.shared.array((100,), dtype='uint8')
const done = sharedArray(Int32Array, 2);

// with pymp.Parallel(2) as p: the body runs once on every thread, at the same time.
await team.parallel(
  (s, ctx) => {
    // for index in p.range(0, 100): this thread's share of the indices.
    ctx.for(0, 100, (index) => {
      s.exArray[index] = 1;
      // with p.lock: one thread at a time.
      ctx.critical(() => {
        s.done[0] = s.done[0]! + 1;
      });
    });
    ctx.master(() => {
      s.done[1] = ctx.numThreads;
    });
  },
  { shared: { exArray, done } },
);
console.log(`threads: ${done[1]}, indices done: ${done[0]}, array sum: ${exArray.reduce((a, b) => a + b, 0)}`);
