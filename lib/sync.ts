/**
 * Shared-memory synchronisation for bodies: a mutex, a barrier, atomic add on Float64Array
 * elements, and a wall-clock timer. Pure Atomics over SharedArrayBuffers, so every thread
 * can build them over the same memory. Parallel regions use the same primitives on words of
 * the team's control block (design.md#regions).
 *
 * Bodies cannot import: inside a body these are reached through the name `parafor`, which
 * every compiled body has in scope (write `import * as parafor from 'parafor'` at the top of
 * the file for the types; the body's own reference resolves to the same functions).
 */
import { badOption, notInteger } from './errors.js';

// ---- the futex mutex (Drepper, "Futexes are tricky", mutex #2) ----------------------------

/** Lock word states. 0 -> 1 by the locker (uncontended); 1 -> 2 by a waiter; any -> 0 by the unlocker. */
const UNLOCKED = 0;
const LOCKED = 1;
const CONTENDED = 2;

/** Spins this many polls on a held lock before sleeping. */
const LOCK_SPIN = 200;

/**
 * Takes the lock. With `aborted`, gives up (returning false, the lock not taken) once it
 * holds: a parallel region whose thread died holding the lock must not wait for it forever.
 */
export function lockWord(i32: Int32Array, index: number, aborted?: () => boolean): boolean {
  let c = Atomics.compareExchange(i32, index, UNLOCKED, LOCKED);
  if (c === UNLOCKED) return true;
  for (let k = 0; k < LOCK_SPIN; k++) {
    if (Atomics.load(i32, index) === UNLOCKED) {
      c = Atomics.compareExchange(i32, index, UNLOCKED, LOCKED);
      if (c === UNLOCKED) return true;
    }
  }
  // Mark contended, then sleep while it stays so; whoever wakes takes it as contended
  // (it cannot know whether others still wait).
  if (c !== CONTENDED) c = Atomics.exchange(i32, index, CONTENDED);
  while (c !== UNLOCKED) {
    if (aborted !== undefined && aborted()) return false;
    Atomics.wait(i32, index, CONTENDED, aborted === undefined ? undefined : 50);
    c = Atomics.exchange(i32, index, CONTENDED);
  }
  return true;
}

export function unlockWord(i32: Int32Array, index: number): void {
  if (Atomics.exchange(i32, index, UNLOCKED) === CONTENDED) Atomics.notify(i32, index, 1);
}

/** Tries to take the lock without waiting. */
export function tryLockWord(i32: Int32Array, index: number): boolean {
  return Atomics.compareExchange(i32, index, UNLOCKED, LOCKED) === UNLOCKED;
}

// ---- the generation barrier -----------------------------------------------------------------

/**
 * A counting barrier over two words: `count` (arrivals) and `count + stride` (generation).
 * Each arriver reads the generation, then counts itself in; the last resets the count and
 * bumps the generation; the others wait for the generation to move (re-checking in a loop,
 * so a stray wake-up is harmless). `onRelease` runs on the last arriver before the others go.
 * `aborted` is checked while waiting: a region whose thread failed releases its barriers.
 */
export function barrierWait(
  i32: Int32Array,
  countIndex: number,
  genIndex: number,
  parties: number,
  spinPolls: number,
  aborted?: () => boolean,
  onRelease?: () => void,
): boolean {
  const gen = Atomics.load(i32, genIndex);
  if (Atomics.add(i32, countIndex, 1) + 1 === parties) {
    Atomics.store(i32, countIndex, 0);
    if (onRelease !== undefined) onRelease();
    Atomics.add(i32, genIndex, 1);
    Atomics.notify(i32, genIndex);
    return true;
  }
  for (let k = 0; k < spinPolls; k++) if (Atomics.load(i32, genIndex) !== gen) return false;
  while (Atomics.load(i32, genIndex) === gen) {
    if (aborted !== undefined && aborted()) return false;
    Atomics.wait(i32, genIndex, gen, aborted === undefined ? undefined : 50);
  }
  return false;
}

function checkIndex(i32: Int32Array, index: number, words: number): void {
  if (!Number.isInteger(index) || index < 0 || index + words > i32.length) {
    throw notInteger('index', index, `an integer in [0, ${i32.length - words}]`);
  }
}

function checkShared(name: string, array: unknown, Ctor: string): void {
  const tag = Object.prototype.toString.call(array);
  const buffer = (array as { buffer?: unknown })?.buffer;
  if (tag !== `[object ${Ctor}]` || Object.prototype.toString.call(buffer) !== '[object SharedArrayBuffer]') {
    throw badOption(name, array, `a ${Ctor} on a SharedArrayBuffer (sharedArray(${Ctor}, n))`);
  }
}

/**
 * A mutual-exclusion lock in one Int32 word of shared memory. Build it on every thread over
 * the same word: `new parafor.Mutex(s.lock)` inside a body, with `lock: sharedArray(Int32Array, 1)`
 * in `shared`.
 */
export class Mutex {
  readonly #i32: Int32Array;
  readonly #index: number;

  constructor(i32: Int32Array, index = 0) {
    checkShared('i32', i32, 'Int32Array');
    checkIndex(i32, index, 1);
    this.#i32 = i32;
    this.#index = index;
  }

  lock(): void {
    lockWord(this.#i32, this.#index);
  }

  tryLock(): boolean {
    return tryLockWord(this.#i32, this.#index);
  }

  unlock(): void {
    unlockWord(this.#i32, this.#index);
  }

  /** Runs fn holding the lock, and releases it however fn ends. */
  withLock<T>(fn: () => T): T {
    this.lock();
    try {
      return fn();
    } finally {
      this.unlock();
    }
  }
}

/**
 * A reusable barrier for `parties` threads in two Int32 words of shared memory
 * (`sharedArray(Int32Array, 2)`). `wait()` returns true on exactly one thread per round
 * (the last to arrive), like pthread's PTHREAD_BARRIER_SERIAL_THREAD.
 */
export class Barrier {
  readonly #i32: Int32Array;
  readonly #index: number;
  readonly #parties: number;

  constructor(i32: Int32Array, parties: number, index = 0) {
    checkShared('i32', i32, 'Int32Array');
    checkIndex(i32, index, 2);
    if (!Number.isInteger(parties) || parties < 1) throw notInteger('parties', parties, 'a positive integer');
    this.#i32 = i32;
    this.#index = index;
    this.#parties = parties;
  }

  wait(): boolean {
    return barrierWait(this.#i32, this.#index, this.#index + 1, this.#parties, 1000);
  }
}

// ---- atomic add on doubles ------------------------------------------------------------------

const views = new WeakMap<Float64Array, BigInt64Array>();
const scratchF = new Float64Array(1);
const scratchB = new BigInt64Array(scratchF.buffer);

/**
 * Atomically adds `value` to `f64[index]` and returns the old value: a compare-and-swap loop
 * on the element's bits (Atomics has no float operations). Only atomic with respect to other
 * atomicAddFloat64 calls (and Atomics on a BigInt64Array view of the same memory).
 */
export function atomicAddFloat64(f64: Float64Array, index: number, value: number): number {
  let bits = views.get(f64);
  if (bits === undefined) {
    checkShared('f64', f64, 'Float64Array');
    bits = new BigInt64Array(f64.buffer, f64.byteOffset, f64.length);
    views.set(f64, bits);
  }
  for (;;) {
    const old = Atomics.load(bits, index);
    scratchB[0] = old;
    const before = scratchF[0]!;
    scratchF[0] = before + value;
    if (Atomics.compareExchange(bits, index, old, scratchB[0]!) === old) return before;
  }
}

/** Seconds since an arbitrary origin, as omp_get_wtime(): comparable across the threads of a process. */
export function wtime(): number {
  return (performance.timeOrigin + performance.now()) / 1000;
}
