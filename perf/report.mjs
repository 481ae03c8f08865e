/**
 * Renders a harness result (results.json) as markdown (results.md) and SVG charts: speedup
 * against threads per kernel, and overhead per construct (JS and C side by side). Also
 * evaluates parafor's performance targets, from the numbers of this one run.
 *
 *   node perf/report.mjs perf/results/results.json   (re-render an existing result)
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const f = (x, d = 2) => (x === undefined || x === null || Number.isNaN(x) ? '-' : Number(x).toFixed(d));
const ms = (s) => f(s * 1000, s < 0.01 ? 2 : 1);

/** Median time of a contestant. */
function find(k, impl, threads, variant) {
  return k.contestants.find((c) => c.impl === impl && c.threads === threads && (variant === undefined || c.variant === variant));
}

/** Per kernel: the time and speedup of every contestant at every thread count. */
export function kernelRows(k) {
  const serialJs = find(k, 'serial JS', 1).median;
  const serialC = find(k, 'C serial', 1)?.median;
  const groups = new Map();
  for (const c of k.contestants) {
    if (c.impl === 'serial JS' || c.impl === 'C serial') continue;
    const key = c.impl === 'parafor' || c.impl === 'C OpenMP' ? `${c.impl}|${c.variant}` : c.impl;
    if (!groups.has(key)) groups.set(key, { impl: c.impl, variant: c.impl === 'parafor' || c.impl === 'C OpenMP' ? c.variant : '', by: {} });
    const base = c.impl === 'C OpenMP' ? serialC : serialJs;
    groups.get(key).by[c.threads] = { time: c.median, speedup: base / c.median, tasks: c.tasks, ok: c.checksumOk };
  }
  return { serialJs, serialC, groups: [...groups.values()] };
}

/** parafor's performance targets, evaluated on one run. */
export function targets(r) {
  const out = [];
  const cores = r.machine.cores;
  const over = 2 * cores;
  const micro = r.steps.micro;
  const kern = r.steps.kernels;
  if (micro) {
    for (const o of micro.overheads) {
      if (!o.c) continue;
      // The anchor is libgomp's plain cost, a loop of empty constructs (no delay); the EPCC
      // figures are reported beside it.
      const ratio = o.emptyParallelForSync.us / o.c.emptyParallelForUs;
      out.push({
        target: `empty parallelForSync <= 1x libgomp's empty \`parallel for\` (T=${o.threads})`,
        measured: `${f(o.emptyParallelForSync.us)} us vs ${f(o.c.emptyParallelForUs)} us: ${f(ratio)}x (EPCC: ${f(o.parallelForSync)} vs ${f(o.c.parallelForUs)} us; async parallelFor ${f(o.parallelForAsync)} us)`,
        met: ratio <= 1,
      });
      if (o.emptyParallelReduceSync && o.c.emptyReductionUs) {
        const red = o.emptyParallelReduceSync.us / o.c.emptyReductionUs;
        out.push({
          target: `empty parallelReduceSync <= 1x libgomp's empty \`parallel for reduction\` (T=${o.threads})`,
          measured: `${f(o.emptyParallelReduceSync.us)} us vs ${f(o.c.emptyReductionUs)} us: ${f(red)}x (EPCC: ${f(o.parallelReduceSync)} vs ${f(o.c.reductionUs)} us)`,
          met: red <= 1,
        });
      }
    }
    const small = micro.smallLoops.filter((s) => s.serialUs < 10);
    for (const s of small) {
      const generic = s.genericUs === undefined ? '' : ` (${f(s.genericRatio)}x of the generic call, ${f(s.genericUs)} us)`;
      out.push({ target: `loop under 10 us within 1.2x of serial (n=${s.n})`, measured: `${f(s.serialUs)} us serial, ${f(s.paraforUs)} us parafor: ${f(s.ratio)}x${generic}`, met: s.ratio <= 1.2 });
    }
  }
  if (kern) {
    const byName = Object.fromEntries(kern.kernels.map((k) => [k.name, k]));
    for (const name of ['sqrtsum', 'mandelbrot', 'spectral', 'jacobi', 'histogram']) {
      const k = byName[name];
      if (!k) continue;
      const rows = kernelRows(k);
      // The plain body (the first variant); the lo|0 workaround is reported beside it, not used here.
      const p = rows.groups.find((g) => g.impl === 'parafor');
      const c = rows.groups.find((g) => g.impl === 'C OpenMP' && g.variant === p.variant) ?? rows.groups.find((g) => g.impl === 'C OpenMP');
      const sp = p.by[cores]?.speedup;
      const sc = c?.by[cores]?.speedup;
      const compute = ['sqrtsum', 'mandelbrot', 'spectral'].includes(name);
      out.push({
        target: `${name}: speedup >= 0.9x C OpenMP's${compute && cores === 2 ? ' and >= 1.8x' : ''} (T=${cores}, ${p.variant})${compute ? '' : ' [report]'}`,
        measured: `parafor ${f(sp)}x, C ${f(sc)}x: ${f(sp / sc)}`,
        met: compute ? sp / sc >= 0.9 && (cores !== 2 || sp >= 1.8) : undefined,
      });
    }
    for (const k of kern.kernels) {
      const rows = kernelRows(k);
      for (const g of rows.groups.filter((x) => x.impl === 'parafor')) {
        const a = g.by[cores]?.time;
        const b = g.by[over]?.time;
        if (a && b) out.push({ target: `${k.name} (${g.variant}): time at ${over} threads <= 3x time at ${cores}`, measured: `${f(b / a)}x`, met: b / a <= 3 });
      }
    }
    for (const name of ['fine', 'fine-steps']) {
      const k = byName[name];
      if (!k) continue;
      const rows = kernelRows(k);
      const best = (impl) => Math.min(...Object.values(rows.groups.find((g) => g.impl === impl)?.by ?? {}).map((x) => x.time));
      const p = Math.min(...rows.groups.filter((g) => g.impl === 'parafor' && !g.variant.includes('serialBelowUs') && !g.variant.includes('workaround')).flatMap((g) => Object.values(g.by).map((x) => x.time)));
      for (const peer of ['piscina', 'threads.js']) {
        const t = best(peer);
        out.push({ target: `${name}: parafor >= 10x faster than ${peer} (best T, best chunking)`, measured: `${ms(p)} ms vs ${ms(t)} ms: ${f(t / p, 1)}x`, met: t / p >= 10 });
      }
    }
  }
  const cold = r.steps.cold;
  if (cold) {
    for (const l of cold.loops) {
      for (const [sched, v] of Object.entries(l.schedules)) {
        if (sched === 'static') continue;
        out.push({ target: `cold first call (${sched}, ${l.side}^2 Mandelbrot) <= 1.2x serial`, measured: `${f(v.ms, 1)} ms vs ${f(l.serialMs, 1)} ms: ${f(v.ratio)}x`, met: v.ratio <= 1.2 });
      }
    }
  }
  const idle = r.steps.idle;
  if (idle) {
    for (const i of idle.idle) {
      out.push({ target: `idle: 0% CPU from 200 ms after the last region (${JSON.stringify(i.options)})`, measured: `${f(i.afterCpuPercent)}% (first 200 ms: ${f(i.first200msCpuPercent)}%)`, met: i.afterCpuPercent < 1 });
    }
  }
  return out;
}

export function renderMarkdown(r) {
  const m = r.machine;
  const L = [];
  L.push(`# parafor performance: ${r.mode} run`, '');
  L.push(`${m.cpuModel}, ${m.cores} cores (${m.logicalCpus} logical), ${m.totalMemGiB} GiB, ${m.platform}; Node ${m.node} (V8 ${m.v8}); ${m.date}; load average at start ${m.loadAverage.join(' / ')}.`);
  if (r.loadAverageAtEnd) L.push(`Load average at the end: ${r.loadAverageAtEnd.join(' / ')} (the machine may be shared: read ratios, not absolute times).`);
  L.push(`Threads ${r.threads.join(', ')} (${r.threads.at(-1)} = 2 x cores, oversubscribed); size scale ${r.scale}; ${r.reps} repetition(s), medians; whole run ${r.elapsedS} s.`);
  const nat = r.steps.native;
  if (nat) L.push(nat.built ? `C peer: ${nat.gcc}, ${nat.flags}.` : `C peer: ${nat.note}.`);
  L.push('');

  if (r.mode === 'quick') L.push('**Smoke run**: tiny sizes and one repetition, to check that everything runs and every checksum agrees. Its timings and target verdicts mean nothing; see the full run.', '');
  L.push('## Targets', '', '| target | measured | met |', '|---|---|---|');
  for (const t of targets(r)) L.push(`| ${t.target} | ${t.measured} | ${t.met === undefined ? 'reported' : t.met ? 'yes' : '**no**'} |`);
  L.push('');

  const micro = r.steps.micro;
  if (micro) {
    L.push('## Overheads (microseconds)', '');
    L.push('Plain: a loop of empty constructs, against libgomp\'s loop of empty constructs (the anchor). EPCC: a construct with a ~0.1 us delay per thread, minus the delay (the delay cancels only when the threads\' delays overlap).', '');
    L.push('| T | empty parallelForSync | C empty parallel for | ratio | empty parallelReduceSync | C empty parallel for reduction | ratio |', '|---|---|---|---|---|---|---|');
    for (const o of micro.overheads) {
      const c = o.c ?? {};
      const er = o.emptyParallelReduceSync?.us;
      L.push(
        `| ${o.threads} | ${f(o.emptyParallelForSync.us)} | ${f(c.emptyParallelForUs)} | ${c.emptyParallelForUs ? f(o.emptyParallelForSync.us / c.emptyParallelForUs) : '-'} | ${f(er)} | ${f(c.emptyReductionUs)} | ${er !== undefined && c.emptyReductionUs ? f(er / c.emptyReductionUs) : '-'} |`,
      );
    }
    L.push('', 'EPCC style:', '');
    L.push('| T | parallelForSync | parallelFor (async) | parallelReduceSync | dynamic,1 x 1024 (per region / per grab) | passive team, wake per region | wake after 5 ms idle | C parallel for | C barrier | C reduction | C dynamic,1 x 1024 | C passive parallel for | parallelForSync / C (EPCC) |');
    L.push('|---|---|---|---|---|---|---|---|---|---|---|---|---|');
    for (const o of micro.overheads) {
      const c = o.c ?? {};
      const cp = o.cPassive ?? {};
      L.push(
        `| ${o.threads} | ${f(o.parallelForSync)} | ${f(o.parallelForAsync)} | ${f(o.parallelReduceSync)} | ${f(o.dynamic1x1024.us)} / ${f(o.dynamicPerGrab, 3)} | ${f(o.passiveWake)} | ${f(o.wakeAfter5msGap, 1)} (ref ${f(o.gapReference, 1)}) | ${f(c.parallelForUs)} | ${f(c.barrierUs)} | ${f(c.reductionUs)} | ${f(c.dynamic1x1024Us)} | ${f(cp.parallelForUs)} | ${c.parallelForUs ? f(o.parallelForSync / c.parallelForUs) : '-'} |`,
      );
    }
    L.push('', 'parafor has no barrier construct; the C barrier is listed for scale. "wake after 5 ms idle" is one region after a 5 ms sleep (longer than the 500 us spin window), minus the same serial call after the same sleep (ref, raw).', '');
    L.push('### Small loops (warm team, default options, parallelReduceRangeSync sum over a Float64Array)', '');
    L.push('| n | serial, array a constant (us) | generic, array an argument (us) | parafor (us) | parafor / serial | parafor / generic |', '|---|---|---|---|---|---|');
    for (const s of micro.smallLoops) L.push(`| ${s.n} | ${f(s.serialUs)} | ${f(s.genericUs)} | ${f(s.paraforUs)} | ${f(s.ratio)} | ${f(s.genericRatio)} |`);
    L.push('', 'Measured in turn, round after round. "serial" is the plain call on one unchanging object, which V8 compiles for that very array; "generic" the same call on one of two objects in turn, the loop V8 compiles for any array (and gives a parafor body): see docs/guide.md, V8 pitfalls.', '');
  }

  const kern = r.steps.kernels;
  if (kern) {
    L.push('## Kernels (time in ms, and speedup over the serial baseline of the same language)', '');
    const ts = kern.threads;
    L.push(`| kernel | contestant | ${ts.map((t) => `T=${t}`).join(' | ')} |`);
    L.push(`|---|---|${ts.map(() => '---').join('|')}|`);
    for (const k of kern.kernels) {
      const rows = kernelRows(k);
      const load = k.load ? ` (load ${k.load.join(' -> ')})` : '';
      L.push(`| **${k.name}** ${k.sizeLabel}${load} | serial JS ${ms(rows.serialJs)} ms${rows.serialC ? `; C serial ${ms(rows.serialC)} ms` : ''} | ${ts.map(() => '').join(' | ')} |`);
      for (const g of rows.groups) {
        const name = `${g.impl}${g.variant ? ` (${g.variant})` : ''}`;
        const cells = ts.map((t) => {
          const x = g.by[t];
          if (!x) return '-';
          return `${ms(x.time)} (${f(x.speedup)}x)${x.tasks ? ` [${x.tasks} tasks]` : ''}${x.ok ? '' : ' **CHECKSUM**'}`;
        });
        L.push(`| | ${name} | ${cells.join(' | ')} |`);
      }
    }
    L.push('', `Checksums: every contestant matched the serial JS checksum${kern.checksumFailures ? ` except ${kern.checksumFailures}` : ''} (exactly; sqrtsum to a relative 1e-12, the order of its partial sums). Peers: [tasks] is the best of the chunkings tried at that thread count.`, '');
  }

  const cold = r.steps.cold;
  if (cold) {
    L.push('## Cold start (fresh process, first call, Mandelbrot rows; ms and ratio to the first serial call)', '');
    const scheds = Object.keys(cold.loops[0]?.schedules ?? {});
    L.push(`| image | serial first call | ${scheds.join(' | ')} |`, `|---|---|${scheds.map(() => '---').join('|')}|`);
    for (const l of cold.loops) L.push(`| ${l.side}x${l.side} | ${f(l.serialMs, 1)} | ${scheds.map((s) => `${f(l.schedules[s].ms, 1)} (${f(l.schedules[s].ratio)}x, ${l.schedules[s].workersStarted} workers)`).join(' | ')} |`);
    L.push('', `Time to a full team (new Team() to start() resolved): ${cold.start.map((s) => `${s.threads} threads ${f(s.ms, 1)} ms`).join(', ')}.`, '');
  }
  const idle = r.steps.idle;
  if (idle) {
    L.push('## Idle CPU after the last region (process.cpuUsage, all threads)', '', '| team | first 200 ms | from 200 ms on |', '|---|---|---|');
    for (const i of idle.idle) L.push(`| ${JSON.stringify(i.options)} (${i.threads} threads) | ${f(i.first200msCpuPercent)}% | ${f(i.afterCpuPercent)}% over ${i.windowMs} ms |`);
    L.push('');
  }
  const map = r.steps.map;
  if (map) {
    L.push('## parallelMap against items.map (warm team; microseconds per call, medians of rounds; ratio per round, median and range)', '');
    L.push('| items | items.map | parallelMapSync | await parallelMap | sync / map | async / map |', '|---|---|---|---|---|---|');
    for (const c of map.cases) {
      L.push(`| ${c.label} | ${f(c.map.us)} | ${f(c.mapSync.us)} | ${f(c.mapAsync.us)} | ${f(c.syncOverMap.median)} (${f(c.syncOverMap.min)}-${f(c.syncOverMap.max)}) | ${f(c.asyncOverMap.median)} (${f(c.asyncOverMap.min)}-${f(c.asyncOverMap.max)}) |`);
    }
    L.push('');
  }
  const bg = r.steps.bg;
  if (bg) L.push('## Benchmarks Game programs', '', 'See bg.md (parafor, hand-written workers and serial JS as whole processes, per runtime).', '');
  if (kern) L.push('## Charts', '', ...kern.kernels.map((k) => `![${k.name}](speedup-${k.name}.svg)`), '', '![overheads](overheads.svg)', '');
  return `${L.join('\n')}\n`;
}

// ---- SVG ------------------------------------------------------------------------------

const COLORS = { parafor: '#1f77b4', piscina: '#ff7f0e', 'threads.js': '#2ca02c', 'C OpenMP': '#d62728', ideal: '#999' };
const esc = (s) => String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;');

function speedupChart(k, threads) {
  const rows = kernelRows(k);
  const W = 520;
  const H = 300;
  const pad = { l: 45, r: 190, t: 30, b: 35 };
  const maxT = Math.max(...threads);
  const maxS = Math.max(maxT / 2 + 0.5, ...rows.groups.flatMap((g) => Object.values(g.by).map((x) => x.speedup)), 1) * 1.1;
  const x = (t) => pad.l + ((t - 1) / Math.max(1, maxT - 1)) * (W - pad.l - pad.r);
  const y = (s) => H - pad.b - (s / maxS) * (H - pad.t - pad.b);
  const o = [`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="sans-serif" font-size="11">`];
  o.push(`<text x="${pad.l}" y="16" font-size="13">${esc(`${k.name} (${k.sizeLabel}): speedup over serial`)}</text>`);
  o.push(`<line x1="${pad.l}" y1="${y(0)}" x2="${W - pad.r}" y2="${y(0)}" stroke="#000"/><line x1="${pad.l}" y1="${y(0)}" x2="${pad.l}" y2="${pad.t}" stroke="#000"/>`);
  for (const t of threads) o.push(`<text x="${x(t)}" y="${H - pad.b + 14}" text-anchor="middle">${t}</text>`);
  o.push(`<text x="${(pad.l + W - pad.r) / 2}" y="${H - 5}" text-anchor="middle">threads</text>`);
  for (let s = 0; s <= maxS; s += maxS > 6 ? 2 : 0.5) o.push(`<text x="${pad.l - 5}" y="${y(s) + 4}" text-anchor="end">${s}</text><line x1="${pad.l}" x2="${W - pad.r}" y1="${y(s)}" y2="${y(s)}" stroke="#eee"/>`);
  const cores = threads.length > 1 ? threads.at(-2) : 1;
  o.push(`<polyline fill="none" stroke="${COLORS.ideal}" stroke-dasharray="4 3" points="${x(1)},${y(1)} ${x(cores)},${y(cores)} ${x(maxT)},${y(cores)}"/>`);
  rows.groups.forEach((g, i) => {
    const pts = threads.filter((t) => g.by[t]).map((t) => `${x(t)},${y(g.by[t].speedup)}`);
    const color = COLORS[g.impl] ?? '#555';
    const dash = g.variant && /guided|serialBelowUs|workaround/.test(g.variant) ? ' stroke-dasharray="6 3"' : '';
    o.push(`<polyline fill="none" stroke="${color}" stroke-width="2"${dash} points="${pts.join(' ')}"/>`);
    for (const p of pts) o.push(`<circle cx="${p.split(',')[0]}" cy="${p.split(',')[1]}" r="3" fill="${color}"/>`);
    o.push(`<line x1="${W - pad.r + 8}" x2="${W - pad.r + 24}" y1="${pad.t + 10 + i * 16}" y2="${pad.t + 10 + i * 16}" stroke="${color}" stroke-width="2"${dash}/><text x="${W - pad.r + 28}" y="${pad.t + 14 + i * 16}">${esc(`${g.impl}${g.variant ? ` ${g.variant}` : ''}`.slice(0, 32))}</text>`);
  });
  o.push('</svg>');
  return `${o.join('\n')}\n`;
}

function overheadChart(micro) {
  const series = [
    ['empty parallelForSync', (o) => o.emptyParallelForSync?.us, COLORS.parafor],
    ['parallelFor (async)', (o) => o.parallelForAsync, '#6baed6'],
    ['empty parallelReduceSync', (o) => o.emptyParallelReduceSync?.us, '#9467bd'],
    ['passive wake', (o) => o.passiveWake, '#8c564b'],
    ['C empty parallel for', (o) => o.c?.emptyParallelForUs, COLORS['C OpenMP']],
    ['C empty reduction', (o) => o.c?.emptyReductionUs, '#ff9896'],
    ['C barrier', (o) => o.c?.barrierUs, '#e377c2'],
    ['C passive parallel for', (o) => o.cPassive?.parallelForUs, '#bcbd22'],
  ];
  const groups = micro.overheads;
  const W = 640;
  const H = 320;
  const pad = { l: 50, r: 170, t: 30, b: 35 };
  const lo = 0.1;
  const hi = 1000;
  const y = (v) => H - pad.b - ((Math.log10(Math.max(lo, v)) - Math.log10(lo)) / (Math.log10(hi) - Math.log10(lo))) * (H - pad.t - pad.b);
  const gw = (W - pad.l - pad.r) / groups.length;
  const bw = (gw - 10) / series.length;
  const o = [`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="sans-serif" font-size="11">`];
  o.push(`<text x="${pad.l}" y="16" font-size="13">Overhead per construct (us, log scale, EPCC)</text>`);
  for (const v of [0.1, 1, 10, 100, 1000]) o.push(`<line x1="${pad.l}" x2="${W - pad.r}" y1="${y(v)}" y2="${y(v)}" stroke="#eee"/><text x="${pad.l - 5}" y="${y(v) + 4}" text-anchor="end">${v}</text>`);
  groups.forEach((g, gi) => {
    series.forEach(([, get, color], si) => {
      const v = get(g);
      if (v === undefined || v === null) return;
      const x0 = pad.l + gi * gw + 5 + si * bw;
      o.push(`<rect x="${x0}" y="${y(v)}" width="${bw - 1}" height="${Math.max(0, y(lo) - y(v))}" fill="${color}"><title>${v}</title></rect>`);
    });
    o.push(`<text x="${pad.l + gi * gw + gw / 2}" y="${H - pad.b + 14}" text-anchor="middle">T=${g.threads}</text>`);
  });
  series.forEach(([name, , color], i) => o.push(`<rect x="${W - pad.r + 8}" y="${pad.t + i * 16}" width="12" height="10" fill="${color}"/><text x="${W - pad.r + 24}" y="${pad.t + 9 + i * 16}">${esc(name)}</text>`));
  o.push('</svg>');
  return `${o.join('\n')}\n`;
}

export function renderCharts(r) {
  const out = {};
  if (r.steps.kernels) for (const k of r.steps.kernels.kernels) out[`speedup-${k.name}.svg`] = speedupChart(k, r.steps.kernels.threads);
  if (r.steps.micro) out['overheads.svg'] = overheadChart(r.steps.micro);
  return out;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const file = process.argv[2] ?? 'perf/results/results.json';
  const r = JSON.parse(readFileSync(file, 'utf8'));
  const dir = path.dirname(file);
  writeFileSync(path.join(dir, 'results.md'), renderMarkdown(r));
  for (const [name, svg] of Object.entries(renderCharts(r))) writeFileSync(path.join(dir, name), svg);
}
