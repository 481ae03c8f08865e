// Tutorial step 4, the overhead lesson: a map of 1000 tiny items on 1 thread and on 2, next
// to a plain loop; then items heavy enough for threads to pay. Prints the median time of
// each case over rounds that run the cases in turn, and whether the results agree; the times
// are this machine's.
//
//   node build/docs/examples/tutorial-overhead.js
import { Team } from 'parafor';

await using team = new Team({ numThreads: 2 });
await team.start();

/** Median microseconds per call of each case, the cases run in turn in every round. */
function medians(cases: Array<() => number[]>, rounds: number): { us: number[]; results: number[][] } {
  const times = cases.map((): number[] => []);
  const results: number[][] = [];
  for (let r = 0; r < rounds; r++) {
    cases.forEach((run, c) => {
      const t0 = performance.now();
      results[c] = run();
      times[c]!.push((performance.now() - t0) * 1000);
    });
  }
  return { us: times.map((t) => t.sort((a, b) => a - b)[t.length >> 1]!), results };
}
const agree = (results: number[][]) => results.every((r) => r.length === results[0]!.length && r.every((x, i) => x === results[0]![i]));

// Tiny items: squaring 1000 numbers.
const items = Array.from({ length: 1000 }, (_, i) => i);
const tiny = medians(
  [
    () => items.map((x) => x * x),
    () => team.parallelMapSync(items, (x) => x * x, { numThreads: 1 }),
    () => team.parallelMapSync(items, (x) => x * x),
  ],
  200,
);
const [plain, one, two] = tiny.us.map((t) => t.toFixed(1));
console.log(`tiny items, same results: ${agree(tiny.results)}`);
console.log(`  plain loop ${plain} us, 1 thread ${one} us, 2 threads ${two} us`);

// Heavy items: four million square roots each.
const heavy = Array.from({ length: 8 }, (_, i) => i);
const work = (x: number) => {
  let acc = 0;
  for (let k = 0; k < 4_000_000; k++) acc += Math.sqrt(k + x);
  return acc;
};
const big = medians([() => team.parallelMapSync(heavy, work, { numThreads: 1 }), () => team.parallelMapSync(heavy, work)], 5);
const [oneMs, twoMs] = big.us.map((t) => t / 1000);
console.log(`heavy items, same results: ${agree(big.results)}`);
console.log(`  1 thread ${oneMs!.toFixed(1)} ms, 2 threads ${twoMs!.toFixed(1)} ms: speedup ${(oneMs! / twoMs!).toFixed(2)}x`);
