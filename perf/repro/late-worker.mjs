// How late a worker starts on its slot, and how often the calling thread ends up running
// both slots of a 2-thread region because the worker had not claimed its slot by the time
// the caller finished its own (docs/performance.md, "When parallel pays"). Regions
// follow gaps of 0, 2 and 20 ms (the team's spin window is 0.5 ms, so workers mostly sleep).
//   node perf/repro/late-worker.mjs [iterations per region, default 2e6 (about 3 ms)] [regions] [waitPolicy]
import { Team, moduleBody } from 'parafor';

const n = Number(process.argv[2] ?? 2e6);
const regions = Number(process.argv[3] ?? 300);
const policy = process.argv[4];
const team = new Team({ numThreads: 2, ...(policy ? { waitPolicy: policy } : {}) });
await team.start();
const body = moduleBody(new URL('./late-worker-body.mjs', import.meta.url), 'work');
const sab = (T, k) => new T(new SharedArrayBuffer(T.BYTES_PER_ELEMENT * k));
const s = { who: sab(Int32Array, 2), out: sab(Float64Array, 2), start: sab(Float64Array, 2) };
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const byGap = {};
for (let r = 0; r < regions; r++) {
  s.who.fill(-1);
  const t = performance.timeOrigin + performance.now();
  team.parallelForRangeSync(0, n, body, { shared: s, serialBelowUs: 0 });
  const gap = [0, 2, 20][r % 3];
  const slot = [0, 1].find((k) => s.who[k] !== 0); // the slot a worker ran, if any
  (byGap[gap] ??= []).push(slot === undefined ? undefined : s.start[slot] - t);
  await sleep(gap);
}
for (const [gap, v] of Object.entries(byGap)) {
  const d = v.filter((x) => x !== undefined).sort((a, b) => a - b);
  const q = (f) => (d.length ? d[Math.min(d.length - 1, Math.floor(d.length * f))].toFixed(2) : '-');
  console.log(`after a ${gap} ms gap: the caller ran both slots in ${v.length - d.length} of ${v.length} regions; the worker started its slot after ${q(0.5)} ms (median), ${q(0.9)} ms (p90)`);
}
await team.close();
