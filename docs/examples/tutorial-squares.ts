// Tutorial step 2: Process(target=squareInput, args=(v,)) for v in 1..5, each task saying
// who ran it. Here one loop over 1..5 deals one index to each thread in turn (static
// schedule, chunk 1) and each body records ctx.threadId next to its square.
//
//   node build/docs/examples/tutorial-squares.js
import { Team, sharedArray } from 'parafor';

await using team = new Team({ numThreads: 2 });
const square = sharedArray(Int32Array, 6);
const ranBy = sharedArray(Int32Array, 6);

await team.parallelFor(
  1,
  6,
  (v, s, ctx) => {
    s.square[v] = v * v;
    s.ranBy[v] = ctx.threadId;
  },
  // serialBelowUs: 0 keeps five tiny tasks on the threads instead of the serial fallback.
  { shared: { square, ranBy }, schedule: 'static', chunk: 1, serialBelowUs: 0 },
);
for (let v = 1; v <= 5; v++) console.log(`${v} squared to ${square[v]} by thread ${ranBy[v]}`);
