// What an empty asynchronous region costs, at numThreads = cores (spinning and passive) and
// below: the async path runs its workers beside the main thread, whose event loop must run
// to see Atomics.waitAsync resolve, so it costs far more than a synchronous region.
//   node perf/repro/async-region.mjs
import { availableParallelism } from 'node:os';
import { Team } from 'parafor';

const cores = availableParallelism();
function empty() {}
for (const options of [{ numThreads: cores }, { numThreads: cores, waitPolicy: 'passive' }, { numThreads: cores - 1 || 1 }]) {
  const team = new Team(options);
  await team.start(true);
  for (let k = 0; k < 200; k++) await team.parallelFor(0, team.numThreads, empty, { serialBelowUs: 0 });
  const n = 2000;
  let t0 = performance.now();
  for (let k = 0; k < n; k++) await team.parallelFor(0, team.numThreads, empty, { serialBelowUs: 0 });
  const asyncUs = ((performance.now() - t0) * 1000) / n;
  t0 = performance.now();
  for (let k = 0; k < n; k++) team.parallelForSync(0, team.numThreads, empty, { serialBelowUs: 0 });
  const syncUs = ((performance.now() - t0) * 1000) / n;
  console.log(`${JSON.stringify(options)}: parallelFor ${asyncUs.toFixed(1)} us, parallelForSync ${syncUs.toFixed(2)} us per empty region`);
  await team.close();
}
