// Does Node's module compile cache (Node 22+) shorten a cold start? One cold start per
// process: import parafor, start a team of 2 (every worker serving), run one empty loop.
// Compare processes with and without the cache (NODE_COMPILE_CACHE=dir turns it on for the
// process and its workers, as module.enableCompileCache() would):
//   rm -rf /tmp/cc; for k in 1 2 3 4 5 6; do node perf/repro/compile-cache.mjs;
//     NODE_COMPILE_CACHE=/tmp/cc node perf/repro/compile-cache.mjs; done
// What the 2-vCPU VM showed on Node 22.23 (six pairs, load average about 7): import 50-80 ms
// without the cache, 48-102 ms with it; team start 260-418 ms without, 263-417 ms with; the
// first loop 0.7-1.2 ms either way. parafor's code is a small part of a worker's start (the
// worker's own Node bootstrap is most of it), so parafor does not turn the cache on.
const t0 = performance.now();
const { Team } = await import('parafor');
const t1 = performance.now();
const team = new Team({ numThreads: 2 });
await team.start(true);
const t2 = performance.now();
team.parallelForSync(0, 2, () => {}, { serialBelowUs: 0 });
const t3 = performance.now();
const ms = (x) => `${x.toFixed(1)} ms`;
console.log(`${process.version}${process.env.NODE_COMPILE_CACHE ? ' compile cache' : ''}: import ${ms(t1 - t0)}, team start ${ms(t2 - t1)}, first loop ${ms(t3 - t2)}`);
await team.close();
