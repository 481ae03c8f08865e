// The model check of the shipped protocol (spec/model/): the built dist/protocol/transitions.js
// in generator form, every Atomics operation a scheduling point, driven by the threads of
// spec/model/threads.ts over every interleaving within the bounds below. A passing run prints
// nothing; PARAFOR_TRACE=1 prints the counts; a failure prints the counterexample.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { ROOT } from './helpers.js';
import { builtSource, check, counts, generate, protocolOf } from './model/load.js';
import { countAtomicCalls, tokenize, toGenerators } from './model/transform.js';
import type { Config } from './model/checker.js';

const TRACE = process.env.PARAFOR_TRACE === '1';
const BOTH = ['exit', 'crash'] as const;

function run(cfg: Config, expectOutcomes: readonly string[]): void {
  const P = protocolOf(builtSource(), 'transitions');
  const t0 = performance.now();
  const r = check(P, cfg);
  const line = `${counts(cfg, r)}, ${((performance.now() - t0) / 1000).toFixed(1)} s`;
  if (TRACE || r.violation !== undefined || r.truncated) console.log(`${line}${r.violation ? `\n${r.violation}\n  ${r.trace!.join('\n  ')}` : ''}`);
  expect(r.violation).toBeUndefined();
  expect(r.truncated).toBe(false);
  for (const o of expectOutcomes) expect(r.outcomes[o] ?? 0).toBeGreaterThan(0);
}

describe('the generator form of the built protocol', () => {
  const src = builtSource();

  test('every function becomes a generator and every Atomics call a scheduling point', () => {
    const gen = generate(src, 'transitions');
    expect(gen.atomicCalls).toBe(countAtomicCalls(src));
    expect(gen.atomicCalls).toBeGreaterThan(60);
    expect(gen.functions).toEqual(expect.arrayContaining(['claimHeld', 'releaseHeld', 'endServing', 'markDead', 'openRegion', 'waitForEpoch', 'joinSync', 'waitUntilEquals', 'settleDeath', 'skipUnclaimed']));
    expect(tokenize(gen.text).filter((t) => t.text === 'Atomics' || t.text === 'performance')).toEqual([]);
    expect(gen.text.match(/function\*/g)!.length).toBe(gen.functions.length);
  });

  test('a source the transform does not understand fails loudly', () => {
    const bad = [
      src.replace('export function deaths(i32) {', 'export const deathsFn = deaths;\nexport function deaths(i32) {'),
      src.replace('const JOIN_SLICE_MS = 50;', 'const JOIN_SLICE_MS = 50;\nconst later = Atomics.someOp(1);'),
      src.replace('const JOIN_SLICE_MS = 50;', "const JOIN_SLICE_MS = 50;\nimport { x } from './other.js';"),
      src.replace('const JOIN_SLICE_MS = 50;', 'const JOIN_SLICE_MS = 50;\nconst f = function () { return 1; };'),
    ];
    for (const b of bad) {
      expect(b).not.toBe(src);
      expect(() => toGenerators(b)).toThrow(/^model transform: /);
    }
  });

  test('the compositions cite lines that the shipped code still has', () => {
    const read = (f: string): string => readFileSync(path.join(ROOT, 'lib', f), 'utf8');
    const worker = read('threads/worker.ts');
    const forkJoin = read('call/fork-join.ts');
    const pool = read('threads/pool.ts');
    for (const line of [
      'beginServing(i32, id);',
      'const seen = Atomics.load(i32, CTRL_EPOCH);',
      'if (Atomics.load(i32, CTRL_STATE) !== TEAM_OPEN) break;',
      'if (id <= Atomics.load(i32, CTRL_MAX_WORKER)) {',
      'for (let slot = claim(); slot >= 0; ) {',
      'releaseHeld(i32, id, r.doneTarget);',
      'slot = slot === current.p - 1 ? -1 : claim();',
      'spinUs = Atomics.load(i32, CTRL_SPIN_US);',
      'waitForEpoch(i32, seen, spinUs, WAKE);',
      "endServing(i32, id, slot, region?.doneTarget ?? 0);",
    ]) expect(worker).toContain(line);
    for (const line of [
      'r.doneTarget = (doneStamp(i32) + r.p) | 0;',
      "resetForRegion(i32, r.schedule !== SCHED_STATIC, r.kind === KIND_REGION);",
      'openRegion(i32, r.p, r.maxWorker);',
      'for (let slot = claimOwnSlot(i32, p); slot >= 0; slot = slot === p - 1 ? -1 : claimOwnSlot(i32, p)) {',
      'finishOwnSlot(i32);',
      'while (!joinSync(i32, region.doneTarget, region.spinUs, this.#pool.deathsSeen)) {',
      'if (this.#reap()) break;',
      'if (this.#reap()) throw this.#giveUp();',
      'const w = waitDoneAsync(i32, v);',
    ]) expect(forkJoin).toContain(line);
    for (const line of [
      'switch (settleDeath(i32, id, r)) {',
      'skipUnclaimed(i32, r.doneTarget);',
      'this.ensureMember(id);',
      'resetWorker(i32, id);',
      'failRegion(i32, CANCELLED);',
      'closeBlock(i32);',
      'stopped = waitStopped(i32, before, STOP_LIMIT_MS);',
      'i32.fill(0);',
    ]) expect(pool).toContain(line);
  });
});

describe('every interleaving of the shipped protocol within the bounds', () => {
  // Without the reduction, the operations on quiet words that end a transition (markDead's
  // notifies of the lock words) keep a thread enabled, so that switching away from it costs a
  // preemption: the same outcomes need one preemption more.
  test('the reduction (quiet words) changes nothing: with every operation a scheduling point and one preemption more, the same outcomes', () => {
    const P = protocolOf(builtSource(), 'transitions');
    const small: Config = { name: 'sync, 1 worker, 1 call', workers: 1, calls: 1, caller: 'sync', preemptions: 1, spurious: 0, deaths: 1, deathKinds: BOTH, maxStates: 2_000_000 };
    const reduced = check(P, small);
    const fullCfg: Config = { ...small, name: `${small.name}, no reduction`, quiet: false, preemptions: 2 };
    const full = check(P, fullCfg);
    if (TRACE) console.log(`${counts(small, reduced)}\n${counts(fullCfg, full)}`);
    expect(reduced.violation).toBeUndefined();
    expect(full.violation).toBeUndefined();
    expect(full.truncated).toBe(false);
    expect(Object.keys(full.outcomes).sort()).toEqual(Object.keys(reduced.outcomes).sort());
    expect(full.states).toBeGreaterThan(reduced.states);
  });

  test('sync caller and 2 workers, 2 calls, at most 1 preemption, one death (process.exit or a crash) at any step', () => {
    run({ name: 'sync, 2 workers, 1 death', workers: 2, calls: 2, caller: 'sync', preemptions: 1, spurious: 0, deaths: 1, deathKinds: BOTH, maxStates: 2_000_000 }, ['completed', 'gave up', 'rejected', 'death breaks']);
  });

  test('sync caller and 1 worker, 2 calls, at most 2 preemptions, one death at any step', () => {
    run({ name: 'sync, 1 worker, 1 death', workers: 1, calls: 2, caller: 'sync', preemptions: 2, spurious: 0, deaths: 1, deathKinds: BOTH, maxStates: 2_000_000 }, ['completed', 'gave up', 'rejected']);
  });

  test('sync caller and 1 worker, at most 1 preemption, one death and a spurious wake-up', () => {
    run({ name: 'sync, 1 worker, spurious', workers: 1, calls: 2, caller: 'sync', preemptions: 1, spurious: 1, deaths: 1, deathKinds: BOTH, maxStates: 2_000_000 }, ['completed', 'gave up']);
  });

  test('async caller (it claims nothing) and 1 or 2 workers, one death: replacements join mid-region, the call after a recovery', () => {
    run({ name: 'async, 1 worker, 1 death', workers: 1, calls: 2, caller: 'async', preemptions: 1, spurious: 0, deaths: 1, deathKinds: BOTH, maxStates: 2_000_000 }, ['completed', 'gave up', 'death replaced']);
    run({ name: 'async, 2 workers, 1 death', workers: 2, calls: 2, caller: 'async', preemptions: 0, spurious: 0, deaths: 1, deathKinds: BOTH, maxStates: 2_000_000 }, ['completed', 'gave up', 'rejected', 'death replaced', 'death skips']);
  });

  test('two deaths (the replacement of a dead worker may die too), sync caller and 1 worker, at most 1 preemption', () => {
    run({ name: 'sync, 1 worker, 2 deaths', workers: 1, calls: 2, caller: 'sync', preemptions: 1, spurious: 0, deaths: 2, deathKinds: BOTH, maxStates: 2_000_000 }, ['completed', 'gave up', 'rejected', 'death breaks']);
  });

  test('a timeout firing during a death: a synchronous call with timeout 0 (the caller cancels at its first look, then joins), 1 worker, one death', () => {
    run({ name: 'timed, 1 worker, 1 death', workers: 1, calls: 2, caller: 'timed', preemptions: 1, spurious: 0, deaths: 1, deathKinds: BOTH, maxStates: 2_000_000 }, ['completed', 'rejected', 'gave up', 'death breaks', 'death harmless']);
  });
});
