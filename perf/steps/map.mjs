/**
 * Step "map": parallelMap and parallelMapSync against `Array.prototype.map` on a warm team,
 * for tiny items (1000 numbers squared: the serial fallback must keep the map on the calling
 * thread, and cost about what `items.map` costs) and for heavy ones (each item tens of
 * microseconds of arithmetic: the map must go to the team and beat `items.map`). The three
 * run in turn, round after round, in one process; each round times a batch of calls of each.
 * Every result is compared with `items.map`'s.
 *
 *   node perf/steps/map.mjs [--quick] [--rounds=21]
 */
import { availableParallelism } from 'node:os';
import { Team } from 'parafor';
import { median, parseArgs, progress, round } from '../lib/util.mjs';

const args = parseArgs();
const quick = Boolean(args.quick);
const rounds = Number(args.rounds ?? (quick ? 3 : 21));

/** The tiny map: what the tutorial's Pool.map squared. */
const square = (x) => x * x;
/** A heavy item: about 20-40 us of dependent arithmetic. */
const heavy = (x) => {
  let a = 0;
  for (let k = 0; k < 20000; k++) a += Math.sqrt(k + x);
  return a;
};

const CASES = [
  { name: 'tiny', label: '1000 numbers, x => x * x', items: Array.from({ length: 1000 }, (_, i) => i), fn: square, batch: quick ? 20 : 200 },
  { name: 'heavy', label: `${quick ? 20 : 200} numbers, ~30 us each`, items: Array.from({ length: quick ? 20 : 200 }, (_, i) => i), fn: heavy, batch: quick ? 1 : 3 },
];

const same = (a, b) => a.length === b.length && a.every((x, i) => Object.is(x, b[i]));

const team = new Team({ numThreads: availableParallelism() });
await team.start({ forAsync: true });
const results = [];
let failed = 0;
for (const c of CASES) {
  const { items, fn, batch } = c;
  const want = items.map(fn);
  // Warm: the JIT, and the cost model's estimate of fn.
  for (let k = 0; k < (quick ? 5 : 50); k++) {
    items.map(fn);
    team.parallelMapSync(items, fn);
    await team.parallelMap(items, fn);
  }
  const ok = same(team.parallelMapSync(items, fn), want) && same(await team.parallelMap(items, fn), want);
  if (!ok) {
    failed++;
    progress('map', `RESULT MISMATCH: ${c.name}`);
  }
  const us = { map: [], mapSync: [], mapAsync: [] };
  for (let r = 0; r < rounds; r++) {
    let t0 = performance.now();
    for (let k = 0; k < batch; k++) items.map(fn);
    us.map.push(((performance.now() - t0) * 1000) / batch);
    t0 = performance.now();
    for (let k = 0; k < batch; k++) team.parallelMapSync(items, fn);
    us.mapSync.push(((performance.now() - t0) * 1000) / batch);
    t0 = performance.now();
    for (let k = 0; k < batch; k++) await team.parallelMap(items, fn);
    us.mapAsync.push(((performance.now() - t0) * 1000) / batch);
  }
  const stat = (v) => ({ us: round(median(v), 3), min: round(Math.min(...v), 3), max: round(Math.max(...v), 3) });
  // Ratios per round (the three ran back to back), then their median.
  const ratio = (a) => {
    const v = a.map((x, i) => x / us.map[i]);
    return { median: round(median(v), 3), min: round(Math.min(...v), 3), max: round(Math.max(...v), 3) };
  };
  const row = { name: c.name, label: c.label, rounds, batch, map: stat(us.map), mapSync: stat(us.mapSync), mapAsync: stat(us.mapAsync), syncOverMap: ratio(us.mapSync), asyncOverMap: ratio(us.mapAsync), resultOk: ok };
  results.push(row);
  progress('map', `${c.label}: items.map ${row.map.us} us, parallelMapSync ${row.mapSync.us} us (x${row.syncOverMap.median}, ${row.syncOverMap.min}-${row.syncOverMap.max}), await parallelMap ${row.mapAsync.us} us (x${row.asyncOverMap.median}, ${row.asyncOverMap.min}-${row.asyncOverMap.max})`);
}
await team.close();
process.stdout.write(`${JSON.stringify({ rounds, cases: results, failures: failed })}\n`);
process.exitCode = failed ? 1 : 0;
