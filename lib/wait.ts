/**
 * Waiting on a word of the control block: spin on Atomics.load for a bounded time, then
 * sleep in Atomics.wait. Every wait re-checks its condition in a loop, because a notify
 * from an earlier region can wake a waiter whose condition has not changed yet
 * (docs/design.md#waiting). The cheap check stays inline at the call sites; these are
 * the slow paths.
 */
import { performance } from 'node:perf_hooks';
import { CTRL_EPOCH, CTRL_SLEEPERS, CTRL_STATE, TEAM_OPEN, wakeWord } from './control.js';

/**
 * Atomics.pause() where the runtime has it (Node 24+, Deno, Bun), else nothing: a hint to the
 * CPU that this is a spin-wait (x86 PAUSE), which leaves the core's other hardware thread more
 * of the core and lowers power while spinning. Only in the spins bounded by time below: a
 * pause costs from a few to over a hundred cycles depending on the CPU, so a spin bounded by
 * a count of polls (sync.ts) would last a CPU-dependent time.
 */
const pause: () => void = (Atomics as { pause?: () => void }).pause ?? (() => {});

/** Spins until i32[index] !== value or `spinUs` microseconds pass. True when it changed. */
export function spinWhileEquals(i32: Int32Array, index: number, value: number, spinUs: number): boolean {
  if (spinUs <= 0) return Atomics.load(i32, index) !== value;
  // Reading the clock costs several polls: look at it every 1024 polls, and only once the
  // first 1024 have not been enough.
  let deadline = Infinity;
  for (let polls = 1; ; polls++) {
    if (Atomics.load(i32, index) !== value) return true;
    pause();
    if ((polls & 1023) === 0) {
      const now = performance.now();
      if (deadline === Infinity) deadline = now + spinUs / 1000;
      else if (now > deadline) return false;
    }
  }
}

/**
 * A worker's wait for the next region it is needed in: returns once CTRL_EPOCH differs from
 * `seen` (seen while spinning, or after the caller woke it) or the team is closing. The
 * worker spins on the epoch, then sleeps on its own wake word (`wake`, control.ts wakeWord),
 * so that a region wakes only the workers it uses: a worker that a region does not use may
 * sleep through it (it would only find no slot to claim). Sleepers are counted
 * (CTRL_SLEEPERS) so that the caller looks at the wake words only when someone sleeps: the
 * worker marks its wake word and counts itself in before its last look at the epoch, the
 * caller bumps the epoch before it reads the count and the words, and all are sequentially
 * consistent, so at least one of them sees the other (design.md#sleepers).
 */
export function waitForEpoch(i32: Int32Array, seen: number, spinUs: number, wake: number): void {
  if (spinWhileEquals(i32, CTRL_EPOCH, seen, spinUs)) return;
  while (Atomics.load(i32, CTRL_EPOCH) === seen && Atomics.load(i32, CTRL_STATE) === TEAM_OPEN) {
    Atomics.store(i32, wake, 1);
    Atomics.add(i32, CTRL_SLEEPERS, 1);
    if (Atomics.load(i32, CTRL_EPOCH) === seen && Atomics.load(i32, CTRL_STATE) === TEAM_OPEN) Atomics.wait(i32, wake, 1);
    Atomics.sub(i32, CTRL_SLEEPERS, 1);
    Atomics.store(i32, wake, 0);
  }
}

/**
 * After publishing a region (the epoch is bumped): wakes the sleepers among the workers it
 * uses, ids 1..maxWorker, when any worker sleeps at all. The SLEEPERS load is the caller's
 * half of the Dekker pattern (design.md#sleepers); when it counted a sleeper, that sleeper's
 * earlier store to its wake word happens-before it, so a plain read of the word (a cheap
 * filter over lines that nobody writes while awake) sees the 1; the swap (Atomics.exchange
 * 1 -> 0) decides who notifies, once.
 */
export function wakeForRegion(i32: Int32Array, maxWorker: number): void {
  if (Atomics.load(i32, CTRL_SLEEPERS) === 0) return;
  for (let id = 1; id <= maxWorker; id++) {
    const w = wakeWord(id);
    if (i32[w] !== 0 && Atomics.exchange(i32, w, 0) !== 0) Atomics.notify(i32, w);
  }
}

/**
 * Wakes every worker 1..upTo that sleeps (close and recovery, after the state and the epoch
 * changed). No filter: without the SLEEPERS load there is nothing to order a plain read, so
 * every word is swapped atomically.
 */
export function wakeAll(i32: Int32Array, upTo: number): void {
  for (let id = 1; id <= upTo; id++) {
    const w = wakeWord(id);
    if (Atomics.exchange(i32, w, 0) !== 0) Atomics.notify(i32, w);
  }
}

/**
 * The caller's wait for `i32[index]` to reach `target` (the join countdown). Whoever makes
 * it reach the target notifies; intermediate changes may wake us early, so loop. Returns
 * false instead when `i32[watch]` moves away from `watchValue` (a worker died: whoever
 * counts the death notifies `index` too).
 */
export function waitUntilEquals(i32: Int32Array, index: number, target: number, spinUs: number, watch: number, watchValue: number): boolean {
  let v = Atomics.load(i32, index);
  if (v === target) return true;
  // The clock is read only once the first 1024 polls have not been enough.
  let deadline = Infinity;
  for (let polls = 1; spinUs > 0; polls++) {
    v = Atomics.load(i32, index);
    if (v === target) return true;
    pause();
    if ((polls & 1023) === 0) {
      if (Atomics.load(i32, watch) !== watchValue) return false;
      const now = performance.now();
      if (deadline === Infinity) deadline = now + spinUs / 1000;
      else if (now > deadline) break;
    }
  }
  for (;;) {
    v = Atomics.load(i32, index);
    if (v === target) return true;
    if (Atomics.load(i32, watch) !== watchValue) return false;
    Atomics.wait(i32, index, v);
  }
}
