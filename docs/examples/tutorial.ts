// The Python multiprocessing tutorial, in parafor: cpu_count(), Process, Pool.map.
import { cpuCount, Team } from 'parafor';

console.log(`cpu_count: ${cpuCount()}`);

await using team = new Team({ numThreads: 2 });

// Process(target=...) x 3, start(), join(): sections run different functions in parallel
// and give back their results in order.
const [squares, cubes, greeting] = await team.sections([
  () => [1, 2, 3].map((x) => x * x),
  () => [1, 2, 3].map((x) => x * x * x),
  (s: { name: string }) => `hello, ${s.name}`,
], { shared: { name: 'parafor' } });
console.log(`sections: ${JSON.stringify(squares)} ${JSON.stringify(cubes)} ${greeting}`);

// Pool.map(square, range(1000)): results in order. Tiny work like this runs serially once
// parafor has measured it, so it is never slower than a plain loop for long.
const numbers = Array.from({ length: 1000 }, (_, i) => i);
for (let round = 0; round < 3; round++) {
  const t0 = performance.now();
  const mapped = await team.parallelMap(numbers, (x) => x * x);
  const ms = performance.now() - t0;
  console.log(`map round ${round}: ${mapped.length} results, last ${mapped[999]}${round === 2 ? '' : ` (${ms < 5 ? 'fast' : 'slow'})`}`);
}
