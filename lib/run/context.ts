/**
 * What a body sees as `ctx`: which virtual thread runs it, and, in parallel regions, the
 * constructs that coordinate the team (barrier, single, master, critical, worksharing for).
 * Region constructs live on words of the team's control block (design.md#regions).
 */
import {
  CTRL_BAR_COUNT,
  CTRL_BAR_GEN,
  CTRL_ERROR,
  CTRL_LOCKS,
  CTRL_SINGLE,
  CTRL_WS_NEXT,
  LINE,
  N_LOCKS,
  WORKER_LOST,
} from '../protocol/control.js';
import { regionMemberLost } from '../protocol/transitions.js';
import { autoChunk, type Schedule } from './schedule.js';
import { Chunks } from './chunks.js';
import { barrierWait, lockWord, unlockWord } from '../sync.js';
import { badOption, notFunction, nowaitNeedsStatic, worksharingTooLong } from '../errors.js';
import { checkBounds, checkChunk, checkKeys, checkSchedule, optionKeys } from '../options.js';

/** What every body receives as `ctx`. */
export class LoopContext {
  readonly threadId: number;
  readonly numThreads: number;
  protected readonly sync: Int32Array;

  constructor(threadId: number, numThreads: number, sync: Int32Array) {
    this.threadId = threadId;
    this.numThreads = numThreads;
    this.sync = sync;
  }

  /** True once the call is cancelled (signal, timeout) or another thread failed: long bodies may return early. */
  get cancelled(): boolean {
    return Atomics.load(this.sync, CTRL_ERROR) !== 0;
  }
}

/** Thrown inside a region's other threads when one thread failed, to unwind them from barriers. */
export class RegionAborted extends Error {
  constructor() {
    super('parafor region aborted: another thread of the region failed or the call was cancelled');
    this.name = 'RegionAborted';
  }
}

/** Options of a worksharing loop inside a region. */
export interface WorkshareOptions {
  schedule?: Schedule;
  chunk?: number;
  /** Skip the barrier at the end of the loop (static schedule only). */
  nowait?: boolean;
}

const WS_KEYS = optionKeys(['schedule', 'chunk', 'nowait']);

/** Lock word of a critical section name: a string hash, the same on every thread. */
function lockIndex(name: string): number {
  let h = 2166136261;
  for (let k = 0; k < name.length; k++) h = Math.imul(h ^ name.charCodeAt(k), 16777619);
  return CTRL_LOCKS + ((h >>> 0) % N_LOCKS) * LINE;
}

/** `ctx` inside `parallel(body)`: runs on every thread of the team at once. */
export class RegionContext extends LoopContext {
  readonly #spinPolls: number;
  #singles = 0;
  /** The cursor of worksharing loops (ctx.for), kept between them. */
  #chunks: Chunks | undefined;

  constructor(threadId: number, numThreads: number, sync: Int32Array, spinPolls: number) {
    super(threadId, numThreads, sync);
    this.#spinPolls = spinPolls;
  }

  readonly #aborted = (): boolean => Atomics.load(this.sync, CTRL_ERROR) !== 0;
  /**
   * For waits (barriers, critical sections): also true once a worker of the region died. Its
   * slot may never arrive, so the waiter fails the region for everyone; it holds a slot of the
   * region, so the region cannot have ended and the mark cannot land on a later one
   * (design.md#faults). The supervisor notifies these words when a worker dies.
   */
  readonly #waitAborted = (): boolean => Atomics.load(this.sync, CTRL_ERROR) !== 0 || regionMemberLost(this.sync, WORKER_LOST);
  readonly #resetWorkshare = (): void => {
    Atomics.store(this.sync, CTRL_WS_NEXT, 0);
  };

  /** Waits until every thread of the region has reached this barrier. */
  barrier(): void {
    barrierWait(this.sync, CTRL_BAR_COUNT, CTRL_BAR_GEN, this.numThreads, this.#spinPolls, this.#waitAborted, this.#resetWorkshare);
    if (this.#aborted()) throw new RegionAborted();
  }

  /** Runs fn on one thread (the first to arrive); every thread then waits at a barrier. Returns fn's result on that thread, undefined on the others. */
  single<T>(fn: () => T): T | undefined {
    if (typeof fn !== 'function') throw notFunction('fn', fn);
    const k = this.#singles++;
    let result: T | undefined;
    // All threads meet at the barrier after each single, so they all see CTRL_SINGLE === k here.
    if (Atomics.compareExchange(this.sync, CTRL_SINGLE, k, k + 1) === k) result = fn();
    this.barrier();
    return result;
  }

  /** Runs fn on thread 0 only; the others go on at once (no barrier). OpenMP's `master` / `masked`. */
  master<T>(fn: () => T): T | undefined {
    if (typeof fn !== 'function') throw notFunction('fn', fn);
    return this.threadId === 0 ? fn() : undefined;
  }

  /** Runs fn while holding the region's lock for `name` (one unnamed lock by default): one thread at a time. */
  critical<T>(fn: () => T, name = ''): T {
    if (typeof fn !== 'function') throw notFunction('fn', fn);
    if (typeof name !== 'string') throw badOption('name', name, 'a string');
    const index = lockIndex(name);
    if (!lockWord(this.sync, index, this.#waitAborted)) throw new RegionAborted();
    try {
      return fn();
    } finally {
      unlockWord(this.sync, index);
    }
  }

  /**
   * Worksharing loop: the threads of the region share body(i) for i in [start, end) under
   * the schedule, then meet at a barrier (unless `nowait`). Every thread must call it, with
   * the same arguments. The body runs here, so it may use the region body's variables.
   */
  for(start: number, end: number, body: (i: number) => void, options?: WorkshareOptions): void {
    checkBounds(start, end);
    if (typeof body !== 'function') throw notFunction('body', body);
    let schedule: Schedule = 'static';
    let chunk: number | undefined;
    let nowait = false;
    if (options !== undefined) {
      checkKeys('options', options, WS_KEYS);
      if (options.schedule !== undefined) schedule = checkSchedule('schedule', options.schedule);
      if (options.chunk !== undefined) chunk = checkChunk('chunk', options.chunk);
      if (options.nowait !== undefined && typeof options.nowait !== 'boolean') throw badOption('nowait', options.nowait, 'a boolean');
      nowait = options.nowait === true;
    }
    if (nowait && schedule !== 'static') {
      throw nowaitNeedsStatic(schedule);
    }
    const n = Math.max(0, end - start);
    if (schedule !== 'static' && n > 2 ** 30) {
      throw worksharingTooLong(schedule, n);
    }
    // Taken while in use: a worksharing loop inside another's body gets a cursor of its own.
    const chunks = this.#chunks ?? new Chunks();
    this.#chunks = undefined;
    const p = this.numThreads;
    if (schedule === 'static') {
      if (chunk === undefined) chunks.block(this.sync, n, p, this.threadId, Infinity);
      else chunks.roundRobin(this.sync, n, p, this.threadId, chunk);
    } else if (schedule === 'dynamic') {
      chunks.dynamic(this.sync, CTRL_WS_NEXT, n, chunk ?? 1, true);
    } else {
      chunks.guided(this.sync, CTRL_WS_NEXT, n, p, 1, schedule === 'auto' ? autoChunk(n, p) : (chunk ?? 1), true);
    }
    while (chunks.next()) {
      const hi = start + chunks.hi;
      for (let i = start + chunks.lo; i < hi; i++) body(i);
    }
    this.#chunks = chunks;
    if (!nowait) this.barrier();
  }
}
