// Core issue 4 (docs/performance.md#core-issues): an asynchronous region costs 10-250 us,
// a synchronous one 1-5 us. With numThreads = cores, the async path runs `cores` workers that
// spin 500 us after each region beside the main thread, whose event loop must run to see the
// Atomics.waitAsync resolve.
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
