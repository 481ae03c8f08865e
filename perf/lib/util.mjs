// Small helpers shared by the harness steps: statistics, progress, machine facts, options.
import os from 'node:os';
import { readFileSync } from 'node:fs';

export function median(values) {
  const v = [...values].sort((a, b) => a - b);
  const n = v.length;
  if (n === 0) return NaN;
  return n % 2 ? v[(n - 1) / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

export function round(x, digits = 3) {
  if (!Number.isFinite(x)) return x;
  const p = 10 ** digits;
  return Math.round(x * p) / p;
}

/** A Float64Array / Int32Array ... on a SharedArrayBuffer. */
export function sab(Ctor, n) {
  return new Ctor(new SharedArrayBuffer(n * Ctor.BYTES_PER_ELEMENT));
}

const started = Date.now();

/** One progress line on stderr (stdout carries the step's JSON). */
export function progress(step, msg) {
  const s = ((Date.now() - started) / 1000).toFixed(1).padStart(6);
  process.stderr.write(`[${s}s ${step}] ${msg}\n`);
}

/** The machine, as every result file records it. */
export function machine() {
  const cpus = os.cpus();
  let model = cpus[0]?.model ?? 'unknown';
  try {
    const info = readFileSync('/proc/cpuinfo', 'utf8');
    const m = /model name\s*:\s*(.+)/.exec(info);
    if (m) model = m[1].trim();
  } catch {
    // not Linux: os.cpus() is what we have
  }
  return {
    cpuModel: model,
    cores: os.availableParallelism(),
    logicalCpus: cpus.length,
    totalMemGiB: round(os.totalmem() / 2 ** 30, 1),
    platform: `${process.platform} ${os.release()} ${process.arch}`,
    node: process.version,
    v8: process.versions.v8,
    date: new Date().toISOString(),
    loadAverage: os.loadavg().map((x) => round(x, 2)),
  };
}

/** --name=value and --flag arguments. */
export function parseArgs(argv = process.argv.slice(2)) {
  const out = {};
  for (const a of argv) {
    const m = /^--([^=]+)(?:=(.*))?$/.exec(a);
    if (!m) throw new Error(`unknown argument ${a}`);
    out[m[1]] = m[2] === undefined ? true : m[2];
  }
  return out;
}

/** Thread counts of a run: 1 .. cores, then 2 x cores (oversubscribed). */
export function threadCounts(cores, quick) {
  const list = [];
  for (let t = 1; t <= cores; t++) if (!quick || t === 1 || t === cores) list.push(t);
  list.push(2 * cores);
  return list;
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * Times functions in turn, round after round, in one process (the machine's speed drifts,
 * so cases timed one after the other would each catch a different part of it): `reps`
 * calls of each per round; returns each case's median microseconds per call, by name.
 */
export function timeInTurn(cases, { rounds = 21, reps = 1000 } = {}) {
  const names = Object.keys(cases);
  const times = names.map(() => []);
  for (let r = 0; r < rounds; r++) {
    names.forEach((name, j) => {
      const f = cases[name];
      const t0 = performance.now();
      for (let k = 0; k < reps; k++) f();
      times[j].push(((performance.now() - t0) * 1000) / reps);
    });
  }
  return Object.fromEntries(names.map((name, j) => [name, median(times[j])]));
}
