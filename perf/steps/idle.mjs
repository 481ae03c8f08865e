/**
 * Step "idle": CPU the process burns after its last parallel region, measured with
 * process.cpuUsage() (all threads) over windows after the last region ends, for each wait
 * policy. The main thread sleeps in a timer meanwhile, so the CPU is the team's.
 *
 *   node perf/steps/idle.mjs [--window=1000]
 */
import { availableParallelism } from 'node:os';
import { Team } from 'parafor';
import { sqrtSum } from '../kernels.mjs';
import { parseArgs, progress, round, sleep } from '../lib/util.mjs';

const args = parseArgs();
const windowMs = Number(args.window ?? 1000);
const cores = availableParallelism();

function cpuMs(from) {
  const u = process.cpuUsage(from);
  return (u.user + u.system) / 1000;
}

async function measure(options) {
  const team = new Team(options);
  await team.start();
  // Busy for a while: many regions, so the workers are spinning when the last one ends.
  for (let k = 0; k < 300; k++) team.parallelReduceRangeSync(0, 100_000, sqrtSum, 'sum', { serialBelowUs: 0 });
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  await sleep(200);
  const c200 = process.cpuUsage();
  const t200 = performance.now();
  const first = cpuMs(c0);
  await sleep(windowMs);
  const later = cpuMs(c200);
  const t1 = performance.now();
  await team.close();
  return {
    options,
    threads: team.numThreads,
    first200msCpuPercent: round((100 * first) / (t200 - t0), 2),
    afterCpuPercent: round((100 * later) / (t1 - t200), 2),
    windowMs,
  };
}

const out = [];
for (const options of [{}, { waitPolicy: 'active' }, { numThreads: 2 * cores }]) {
  const r = await measure(options);
  out.push(r);
  progress('idle', `${JSON.stringify(options)}: ${r.first200msCpuPercent}% CPU in the first 200 ms, ${r.afterCpuPercent}% from 200 ms to ${200 + windowMs} ms`);
}
process.stdout.write(`${JSON.stringify({ idle: out })}\n`);
