/**
 * Step "kernels": the six kernels, each with its serial JS baseline, parafor at every
 * thread count, piscina and threads.js pools given their best chunking, and the C twins
 * (serial and OpenMP), run round-robin rep by rep so that noise on this shared machine hits
 * every contestant alike. Every checksum is compared with the serial JS one.
 *
 * Prints one JSON document on stdout; progress on stderr. Exit code 1 on a checksum mismatch.
 *   node perf/steps/kernels.mjs [--scale=1] [--reps=3] [--threads=1,2,4] [--kernels=a,b] [--native=DIR]
 */
import { execFileSync } from 'node:child_process';
import { loadavg } from 'node:os';
import { Team } from 'parafor';
import { Piscina } from 'piscina';
import { spawn, Pool, Worker } from 'threads';
import * as K from '../kernels.mjs';
import { median, parseArgs, progress, round, sab } from '../lib/util.mjs';

const args = parseArgs();
const scale = Number(args.scale ?? 1);
const reps = Number(args.reps ?? 3);
const threads = String(args.threads ?? '1,2,4').split(',').map(Number);
const only = args.kernels ? new Set(String(args.kernels).split(',')) : undefined;
const nativeDir = args.native && args.native !== true ? String(args.native) : undefined;
/** Smoke run: peers try one chunking only, and the time-stepped loop has 100 steps. */
const quick = Boolean(args.quick);
/** Size of the JIT warm-up runs, as a fraction of the full size. */
const WARM = 0.05;

/** [lo, hi) blocks of [start, end) in `count` near-equal parts (LLVM's static formula). */
function blocks(start, end, count) {
  const n = end - start;
  const base = Math.floor(n / count);
  const extra = n % count;
  const out = [];
  for (let k = 0; k < count; k++) {
    const lo = start + k * base + Math.min(k, extra);
    const hi = lo + base + (k < extra ? 1 : 0);
    if (hi > lo) out.push([lo, hi]);
  }
  return out;
}

async function peerFor(run, t, start, end, tasks, s) {
  return Promise.all(blocks(start, end, tasks).map(([lo, hi]) => run({ k: t, lo, hi, s })));
}

/**
 * The kernels. `size(scale)` gives the problem size; `setup` allocates (untimed); `reset`
 * restores the inputs before each timed run (untimed); `serial`, `parafor` and `peer` run it
 * and return the checksum; `c` gives the C program's arguments.
 */
const KERNELS = [
  {
    name: 'sqrtsum',
    title: 'sum of sqrt(i)',
    size: (sc) => ({ n: Math.max(1000, Math.round(1e8 * sc)) }),
    label: (z) => `i < ${z.n.toExponential(0)}`,
    setup: (z) => ({ n: z.n }),
    reset() {},
    serial: (st) => K.sqrtSum(0, 0, st.n),
    parafor: [
      { variant: 'static', run: (team, st) => team.parallelReduceRangeSync(0, st.n, K.sqrtSum, 'sum') },
      { variant: 'static, int lo/hi workaround', run: (team, st) => team.parallelReduceRangeSync(0, st.n, K.sqrtSumInt, 'sum') },
    ],
    peer: async (run, st, tasks) => (await peerFor(run, 'sqrtsum', 0, st.n, tasks)).reduce((a, b) => a + b, 0),
    peerTasks: (t) => [t, 4 * t, 16 * t],
    c: [{ variant: 'static', args: (z) => ['sqrtsum', z.n] }],
    // Partial sums in another order differ in the last bits.
    tolerance: 1e-12,
  },
  {
    name: 'mandelbrot',
    title: 'Mandelbrot, 200 iterations',
    size: (sc) => ({ side: Math.max(16, Math.round(2000 * Math.sqrt(sc))) }),
    label: (z) => `${z.side}x${z.side}`,
    setup: (z) => ({ s: { w: z.side, h: z.side, rows: sab(Float64Array, z.side) } }),
    reset: (st) => st.s.rows.fill(0),
    sum: (st) => st.s.rows.reduce((a, b) => a + b, 0),
    serial(st) {
      K.mandelRows(0, st.s.h, st.s);
      return this.sum(st);
    },
    parafor: [
      {
        variant: 'dynamic,1',
        run(team, st, k) {
          team.parallelForRangeSync(0, st.s.h, K.mandelRows, { shared: st.s, schedule: 'dynamic', chunk: 1 });
          return k.sum(st);
        },
      },
      {
        variant: 'guided',
        run(team, st, k) {
          team.parallelForRangeSync(0, st.s.h, K.mandelRows, { shared: st.s, schedule: 'guided' });
          return k.sum(st);
        },
      },
    ],
    async peer(run, st, tasks) {
      await peerFor(run, 'mandelbrot', 0, st.s.h, tasks, st.s);
      return this.sum(st);
    },
    peerTasks: (t) => [t, 4 * t, 16 * t, 64 * t],
    c: [
      { variant: 'dynamic,1', args: (z) => ['mandelbrot', z.side] },
      { variant: 'guided', args: (z) => ['mandelbrot-guided', z.side] },
    ],
  },
  {
    name: 'jacobi',
    title: 'Jacobi 5-point',
    size: (sc) => ({ n: 2048, sweeps: Math.max(1, Math.round(50 * sc)) }),
    label: (z) => `${z.n}x${z.n} x ${z.sweeps} sweeps`,
    setup(z) {
      const a = sab(Float64Array, z.n * z.n);
      const b = sab(Float64Array, z.n * z.n);
      // Two payloads, alternated: each is sent to the workers once and then reused.
      return { z, a, b, ab: { n: z.n, src: a, dst: b }, ba: { n: z.n, src: b, dst: a } };
    },
    reset(st) {
      const { a, b } = st;
      for (let i = 0; i < a.length; i++) a[i] = b[i] = (i % 97) / 97;
    },
    sum(st) {
      const g = st.z.sweeps % 2 === 0 ? st.a : st.b;
      let s = 0;
      for (let i = 0; i < g.length; i++) s += g[i];
      return s;
    },
    serial(st) {
      for (let k = 0; k < st.z.sweeps; k++) K.jacobiRows(1, st.z.n - 1, k % 2 ? st.ba : st.ab);
      return this.sum(st);
    },
    parafor: [
      {
        variant: 'static',
        run(team, st, k) {
          for (let s = 0; s < st.z.sweeps; s++) team.parallelForRangeSync(1, st.z.n - 1, K.jacobiRows, { shared: s % 2 ? st.ba : st.ab });
          return k.sum(st);
        },
      },
      {
        variant: 'static, int lo/hi workaround',
        run(team, st, k) {
          for (let s = 0; s < st.z.sweeps; s++) team.parallelForRangeSync(1, st.z.n - 1, K.jacobiRowsInt, { shared: s % 2 ? st.ba : st.ab });
          return k.sum(st);
        },
      },
    ],
    async peer(run, st, tasks) {
      for (let s = 0; s < st.z.sweeps; s++) await peerFor(run, 'jacobi', 1, st.z.n - 1, tasks, s % 2 ? st.ba : st.ab);
      return this.sum(st);
    },
    peerTasks: (t) => [t, 4 * t],
    c: [{ variant: 'static', args: (z) => ['jacobi', z.n, z.sweeps] }],
  },
  {
    name: 'histogram',
    title: 'histogram of LCG values, 256 bins',
    size: (sc) => ({ n: Math.max(1000, Math.round(1e8 * sc)) }),
    label: (z) => `${z.n.toExponential(0)} values`,
    setup: (z) => ({ n: z.n }),
    reset() {},
    check(bins, n) {
      let c = 0;
      let count = 0;
      for (let b = 0; b < 256; b++) {
        c += b * bins[b];
        count += bins[b];
      }
      return count === n ? c : -1;
    },
    serial(st) {
      return this.check(K.histogram(new Int32Array(256), 0, st.n), st.n);
    },
    parafor: [
      {
        variant: 'static, private bins',
        run: (team, st, k) => k.check(team.parallelReduceRangeSync(0, st.n, K.histogram, K.histogramReducer), st.n),
      },
    ],
    async peer(run, st, tasks) {
      const parts = await peerFor(run, 'histogram', 0, st.n, tasks);
      return this.check(parts.reduce(K.histogramReducer.combine, new Int32Array(256)), st.n);
    },
    peerTasks: (t) => [t, 4 * t, 16 * t],
    c: [{ variant: 'static, private bins', args: (z) => ['histogram', z.n] }],
  },
  {
    name: 'spectral',
    title: 'spectral-norm',
    size: (sc) => ({ n: Math.max(100, Math.round(5500 * Math.sqrt(sc))) }),
    label: (z) => `n = ${z.n}`,
    setup(z) {
      const n = z.n;
      const u = sab(Float64Array, n);
      const v = sab(Float64Array, n);
      const t = sab(Float64Array, n);
      // The four products of one iteration, each with its own (reused) payload.
      const steps = [
        [K.specAv, { n, x: u, y: t }, 'specAv'],
        [K.specAtv, { n, x: t, y: v }, 'specAtv'],
        [K.specAv, { n, x: v, y: t }, 'specAv'],
        [K.specAtv, { n, x: t, y: u }, 'specAtv'],
      ];
      return { n, u, v, t, steps };
    },
    reset: (st) => st.u.fill(1),
    norm(st) {
      let vBv = 0;
      let vv = 0;
      for (let i = 0; i < st.n; i++) {
        vBv += st.u[i] * st.v[i];
        vv += st.v[i] * st.v[i];
      }
      return Math.sqrt(vBv / vv);
    },
    serial(st) {
      for (let k = 0; k < 10; k++) for (const [fn, s] of st.steps) fn(0, st.n, s);
      return this.norm(st);
    },
    parafor: [
      {
        variant: 'static',
        run(team, st, k) {
          for (let it = 0; it < 10; it++) for (const [fn, s] of st.steps) team.parallelForRangeSync(0, st.n, fn, { shared: s });
          return k.norm(st);
        },
      },
    ],
    async peer(run, st, tasks) {
      for (let k = 0; k < 10; k++) for (const [, s, name] of st.steps) await peerFor(run, name, 0, st.n, tasks, s);
      return this.norm(st);
    },
    peerTasks: (t) => [t, 4 * t],
    c: [{ variant: 'static', args: (z) => ['spectral', z.n] }],
  },
  ...[
    { steps: 1, m: 1_000_000 },
    { steps: quick ? 100 : 1000, m: 1000 },
  ].map(({ steps, m }) => ({
    name: steps === 1 ? 'fine' : 'fine-steps',
    title: steps === 1 ? 'fine-grained: one loop of a[i] += 1' : 'fine-grained: time-stepped a[i] += 1',
    // Kernel 6 is 1e6 iterations of trivial work at every scale: it is short already.
    size: () => ({ steps, m }),
    label: () => (steps === 1 ? '1 loop x 1e6' : `${steps} loops x 1000`),
    setup: () => ({ steps, m, s: { a: sab(Float64Array, m) } }),
    reset(st) {
      const a = st.s.a;
      for (let i = 0; i < a.length; i++) a[i] = i % 7;
    },
    sum(st) {
      let s = 0;
      for (let i = 0; i < st.m; i++) s += st.s.a[i];
      return s;
    },
    serial(st) {
      for (let k = 0; k < st.steps; k++) K.fineAdd(0, st.m, st.s);
      return this.sum(st);
    },
    parafor: [
      {
        variant: 'static',
        run(team, st, k) {
          for (let s = 0; s < st.steps; s++) team.parallelForRangeSync(0, st.m, K.fineAdd, { shared: st.s });
          return k.sum(st);
        },
      },
      ...(steps === 1
        ? [
            {
              variant: 'static, int lo/hi workaround',
              run(team, st, k) {
                team.parallelForRangeSync(0, st.m, K.fineAddInt, { shared: st.s });
                return k.sum(st);
              },
            },
          ]
        : [
            {
              variant: 'static, serialBelowUs: 0',
              run(team, st, k) {
                for (let s = 0; s < st.steps; s++) team.parallelForRangeSync(0, st.m, K.fineAdd, { shared: st.s, serialBelowUs: 0 });
                return k.sum(st);
              },
            },
          ]),
    ],
    async peer(run, st, tasks) {
      for (let k = 0; k < st.steps; k++) await peerFor(run, 'fine', 0, st.m, tasks, st.s);
      return this.sum(st);
    },
    peerTasks: (t) => (steps === 1 ? [t, 4 * t] : [1, t]),
    c: [{ variant: 'static', args: () => ['fine', steps, m] }],
  })),
];

// ---- contestants ------------------------------------------------------------------------

function runC(bin, cargs, t) {
  const out = execFileSync(bin, ['kernel', String(cargs[0]), String(t), '1', ...cargs.slice(1).map(String)], { encoding: 'utf8' });
  const r = JSON.parse(out.trim());
  return { time: r.times[0], checksum: r.checksum };
}

async function timed(fn) {
  const t0 = performance.now();
  const checksum = await fn();
  return { time: (performance.now() - t0) / 1000, checksum };
}

async function main() {
  const teams = new Map();
  const piscinas = new Map();
  const threadPools = new Map();
  for (const t of threads) {
    const team = new Team({ numThreads: t });
    await team.start();
    teams.set(t, team);
    piscinas.set(t, new Piscina({ filename: new URL('../peers/piscina-worker.mjs', import.meta.url).href, minThreads: t, maxThreads: t, idleTimeout: 600_000 }));
    // threads.js resolves a relative path against the calling module's folder.
    threadPools.set(t, Pool(() => spawn(new Worker('../peers/threads-worker.mjs')), t));
  }
  const runners = {
    piscina: (t) => (task) => piscinas.get(t).run(task),
    'threads.js': (t) => (task) => threadPools.get(t).queue((w) => w.run(task)),
  };

  const results = [];
  let failed = 0;
  const kernels = KERNELS.filter((k) => !only || only.has(k.name));
  for (const [ki, k] of kernels.entries()) {
    const tag = `kernels ${ki + 1}/${kernels.length} ${k.name}`;
    const z = k.size(scale);
    const zWarm = k.size(scale * WARM);
    const st = k.setup(z);
    const stWarm = k.setup(zWarm);

    // The contestants: { impl, variant, threads, run() -> {time, checksum} }.
    const contestants = [{ impl: 'serial JS', variant: '', threads: 1, run: () => timed(() => k.serial(st)), warm: () => k.serial(stWarm) }];
    for (const t of threads) {
      for (const v of k.parafor) {
        const team = teams.get(t);
        contestants.push({ impl: 'parafor', variant: v.variant, threads: t, run: () => timed(() => v.run(team, st, k)), warm: () => v.run(team, stWarm, k) });
      }
    }
    for (const impl of ['piscina', 'threads.js']) {
      for (const t of threads) {
        const run = runners[impl](t);
        const c = { impl, variant: '', threads: t, tasks: 0, search: {}, warm: () => k.peer(run, stWarm, t) };
        c.run = () => timed(() => k.peer(run, st, c.tasks));
        c.find = async () => {
          // Best chunking: one timed run per candidate task count, keep the fastest.
          let best = Infinity;
          for (const tasks of quick ? k.peerTasks(t).slice(0, 1) : k.peerTasks(t)) {
            k.reset(st);
            const r = await timed(() => k.peer(run, st, tasks));
            c.search[tasks] = round(r.time, 6);
            if (r.time < best) {
              best = r.time;
              c.tasks = tasks;
            }
          }
          c.variant = `${c.tasks} tasks`;
        };
        contestants.push(c);
      }
    }
    if (nativeDir) {
      for (const v of k.c) contestants.push({ impl: 'C serial', variant: v.variant, threads: 1, run: () => runC(`${nativeDir}/kernels-serial`, v.args(z), 1), native: true });
      for (const t of threads) {
        for (const v of k.c) contestants.push({ impl: 'C OpenMP', variant: v.variant, threads: t, run: () => runC(`${nativeDir}/kernels-omp`, v.args(z), t), native: true });
      }
    }
    // C serial has one entry per variant; keep the first only (the same serial code).
    const seen = new Set();
    const list = contestants.filter((c) => {
      if (c.impl !== 'C serial') return true;
      if (seen.has('C serial')) return false;
      seen.add('C serial');
      c.variant = '';
      return true;
    });

    const loadBefore = loadavg()[0];
    progress(tag, `${k.title}, ${k.label(z)}: warm-up (load average ${loadBefore.toFixed(2)})`);
    for (const c of list) {
      if (c.warm) {
        k.reset(stWarm);
        await c.warm();
      }
    }
    for (const c of list) {
      if (c.find) {
        await c.find();
        progress(tag, `${c.impl} T=${c.threads} best chunking: ${c.tasks} tasks (${JSON.stringify(c.search)} s)`);
      }
    }
    for (const c of list) c.times = [];
    for (let r = 0; r < reps; r++) {
      const line = [];
      for (const c of list) {
        k.reset(st);
        const out = await c.run();
        c.times.push(out.time);
        c.checksum = out.checksum;
        line.push(`${c.impl}${c.variant && c.impl === 'parafor' && k.parafor.length > 1 ? `(${c.variant})` : ''}@${c.threads} ${out.time.toFixed(3)}`);
      }
      progress(tag, `rep ${r + 1}/${reps}: ${line.join(', ')} s`);
    }
    const reference = list[0].checksum;
    const rows = list.map((c) => {
      const tol = k.tolerance ?? 0;
      const ok = Math.abs(c.checksum - reference) <= tol * Math.abs(reference);
      if (!ok) {
        failed++;
        progress(tag, `CHECKSUM MISMATCH: ${c.impl} ${c.variant} T=${c.threads}: ${c.checksum} vs serial JS ${reference}`);
      }
      return {
        impl: c.impl,
        variant: c.variant,
        threads: c.threads,
        ...(c.tasks ? { tasks: c.tasks, chunkSearch: c.search } : {}),
        times: c.times.map((x) => round(x, 6)),
        median: round(median(c.times), 6),
        checksum: c.checksum,
        checksumOk: ok,
      };
    });
    // The 1-minute load average around the kernel: above the core count, other processes shared the cores.
    const load = [round(loadBefore, 2), round(loadavg()[0], 2)];
    results.push({ name: k.name, title: k.title, size: z, sizeLabel: k.label(z), load, tolerance: k.tolerance ?? 0, checksum: reference, contestants: rows });
  }

  for (const team of teams.values()) await team.close();
  for (const p of piscinas.values()) await p.destroy();
  for (const p of threadPools.values()) await p.terminate(true);
  process.stdout.write(`${JSON.stringify({ scale, reps, threads, native: Boolean(nativeDir), kernels: results, checksumFailures: failed })}\n`);
  process.exitCode = failed ? 1 : 0;
}

await main();
