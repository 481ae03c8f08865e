/**
 * Step "cold": what a fresh process pays on its first parallel call. Each measurement is a
 * fresh Node process (this file with --child), so that nothing (JIT, workers, cost model)
 * is warm: the first call of a Mandelbrot loop on a fresh team, against the first call of
 * the plain serial loop in another fresh process; and the time to a full team (new Team()
 * to team.start() resolved).
 *
 * The child imports its kernels (asynchronously, as a program reads its input) between
 * importing parafor and the timed call, so parafor's idle-time warm-up (lib/call/warm.ts) has run;
 * the "warm-up off" columns (PARAFOR_WARMUP=0) show a first call made before the event loop
 * ever turned, which pays for compiling parafor's call path itself.
 *
 *   node perf/steps/cold.mjs [--reps=3] [--sides=100,250,500,1000] [--schedules=static,dynamic,guided,auto] [--nowarm=dynamic,guided]
 */
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { availableParallelism } from 'node:os';
import { median, parseArgs, progress, round, sab } from '../lib/util.mjs';

const args = parseArgs();

async function child() {
  const mode = String(args.mode);
  const side = Number(args.side ?? 0);
  const s = { w: side, h: side, rows: sab(Float64Array, Math.max(1, side)) };
  if (mode === 'serial') {
    const { mandelRows } = await import('../kernels.mjs');
    const t0 = performance.now();
    mandelRows(0, side, s);
    const ms = performance.now() - t0;
    return { ms, checksum: s.rows.reduce((a, b) => a + b, 0) };
  }
  const { Team } = await import('parafor');
  if (mode === 'start') {
    const t0 = performance.now();
    const team = new Team({ numThreads: Number(args.threads) });
    await team.start();
    const ms = performance.now() - t0;
    await team.close();
    return { ms };
  }
  const { mandelRows } = await import('../kernels.mjs');
  const team = new Team();
  const t0 = performance.now();
  team.parallelForRangeSync(0, side, mandelRows, { shared: s, schedule: String(args.schedule) });
  const ms = performance.now() - t0;
  const workers = team.workersStarted;
  await team.close();
  return { ms, workers, checksum: s.rows.reduce((a, b) => a + b, 0) };
}

function runChild(extra, env = process.env) {
  const out = execFileSync(process.execPath, [fileURLToPath(import.meta.url), '--child', ...extra], { encoding: 'utf8', env });
  return JSON.parse(out.trim().split('\n').pop());
}

const WARM_OFF = ', warm-up off';

/** A column's schedule and environment: "dynamic" or "dynamic, warm-up off". */
function column(name) {
  const off = name.endsWith(WARM_OFF);
  return { schedule: off ? name.slice(0, -WARM_OFF.length) : name, env: off ? { ...process.env, PARAFOR_WARMUP: '0' } : process.env };
}

async function main() {
  const reps = Number(args.reps ?? 3);
  const sides = String(args.sides ?? '100,250,500,1000').split(',').map(Number);
  const noWarm = String(args.nowarm ?? 'dynamic,guided').split(',').filter(Boolean);
  const schedules = [...String(args.schedules ?? 'static,dynamic,guided,auto').split(','), ...noWarm.map((x) => x + WARM_OFF)];
  const cores = availableParallelism();
  const loops = [];
  let failed = 0;
  for (const side of sides) {
    const serial = [];
    const par = Object.fromEntries(schedules.map((s) => [s, []]));
    const workers = Object.fromEntries(schedules.map((s) => [s, []]));
    let checksum;
    // Interleaved: one serial process, then one per schedule, rep after rep.
    for (let r = 0; r < reps; r++) {
      const sr = runChild(['--mode=serial', `--side=${side}`]);
      serial.push(sr.ms);
      checksum = sr.checksum;
      for (const sched of schedules) {
        const { schedule, env } = column(sched);
        const pr = runChild(['--mode=parafor', `--side=${side}`, `--schedule=${schedule}`], env);
        par[sched].push(pr.ms);
        workers[sched].push(pr.workers);
        if (pr.checksum !== checksum) {
          failed++;
          progress('cold', `CHECKSUM MISMATCH: ${sched} side ${side}: ${pr.checksum} vs ${checksum}`);
        }
      }
    }
    const serialMs = median(serial);
    const row = { side, serialMs: round(serialMs, 3), schedules: {} };
    for (const sched of schedules) {
      const ms = median(par[sched]);
      row.schedules[sched] = { ms: round(ms, 3), ratio: round(ms / serialMs, 3), workersStarted: median(workers[sched]), runs: par[sched].map((x) => round(x, 3)) };
    }
    loops.push(row);
    progress('cold', `side ${side}: serial ${round(serialMs, 2)} ms; ` + schedules.map((s) => `${s} x${row.schedules[s].ratio}`).join(', '));
  }
  const start = [];
  for (const t of [cores, 2 * cores]) {
    const v = [];
    for (let r = 0; r < reps; r++) v.push(runChild(['--mode=start', `--threads=${t}`]).ms);
    start.push({ threads: t, ms: round(median(v), 2), runs: v.map((x) => round(x, 2)) });
    progress('cold', `new Team({numThreads: ${t}}) + start(): ${round(median(v), 1)} ms`);
  }
  process.stdout.write(`${JSON.stringify({ reps, loops, start, checksumFailures: failed })}\n`);
  process.exitCode = failed ? 1 : 0;
}

if (args.child) process.stdout.write(`${JSON.stringify(await child())}\n`);
else await main();
