/**
 * A team: the calling thread plus a persistent set of worker threads, and the loops that
 * run on them. This file holds the public methods, the team's lifecycle and the queue of
 * asynchronous calls; the rest is in rooms of its own: call/call.ts (validation), call/fork-join.ts
 * (the caller's fork/join), call/serial.ts (runs on the calling thread alone), threads/pool.ts (the
 * control block and the workers), call/registry.ts (bodies), call/payloads.ts (`shared`). The
 * protocol is in protocol/transitions.ts and docs/design.md.
 */
import { performance } from 'node:perf_hooks';
import { availableParallelism } from 'node:os';
import { KIND_FOR, KIND_FOR_RANGE, KIND_REDUCE, KIND_REDUCE_RANGE } from './protocol/control.js';
import { loopCall, newCall, oneWorker, regionCall, type Call, type CallSlot } from './call/call.js';
import { teamClosed, moduleLoadingDuringAsync } from './errors.js';
import { CostModel } from './call/cost.js';
import { defaultLoopSettings, teamSettings, type LoopSettings, type TeamOptions, type TeamSettings } from './options.js';
import { CONCAT, MAP_ITEM_US, mapCall, placePairs, probeMapHere, runMapHere, sectionsCall, type MapCall, type MapFn, type SectionFn, type SectionResults } from './call/constructs.js';
import { Payloads } from './call/payloads.js';
import { Pool } from './threads/pool.js';
import { prestartSupervisor } from './threads/prestart.js';
import { scheduleWarmUp } from './call/warm.js';
import { ForkJoin } from './call/fork-join.js';
import { Registry } from './call/registry.js';
import { SerialRuns } from './call/serial.js';
import { insideRegion } from './run/state.js';
import type { LoopBody, RangeBody, Fold, RangeFold, LoopOptionsOf, RegionBody, RegionOptionsOf } from './types.js';
import type { CustomReducer, Reducer, ReducerName } from './run/reducers.js';

/**
 * A team of threads that runs parallel loops: the calling thread is member 0 of
 * synchronous calls, and T - 1 workers (T for asynchronous calls) do the rest. Workers
 * start on first use, are reused by every call, sleep when idle, and never keep the
 * process alive. `close()` ends them.
 */
export class Team {
  readonly #settings: TeamSettings;
  /** Loop settings of a call with no option but `shared`. */
  readonly #loopDefaults: LoopSettings;
  #closed = false;
  #tail: Promise<unknown> = Promise.resolve();
  /** Measured cost of each body, for the serial fallback (call/cost.ts). */
  readonly #costs = new CostModel();
  readonly #registry: Registry;
  readonly #payloads: Payloads;
  readonly #pool: Pool;
  readonly #serialRuns: SerialRuns;
  readonly #forkJoin: ForkJoin;
  /**
   * The Call of synchronous loops, filled by each instead of a new object (a warm forced
   * region allocates nothing: spec/warm-region.spec.ts); busy from the loop's validation to its
   * end. A call made while it is busy (from a body, nested, or from a custom reducer's
   * combine) gets an object of its own.
   */
  readonly #syncCall: CallSlot;
  #syncCallBusy = false;

  constructor(options?: TeamOptions) {
    this.#settings = teamSettings(options);
    this.#loopDefaults = defaultLoopSettings(this.#settings);
    const send = (msg: Parameters<Pool['send']>[0]): void => this.#pool.send(msg);
    this.#registry = new Registry(send);
    this.#payloads = new Payloads(send);
    this.#pool = new Pool(this.#settings, this.#registry, this.#payloads);
    this.#serialRuns = new SerialRuns(this.#costs, this.#registry);
    this.#syncCall = newCall(this.#loopDefaults);
    // Importing parafor starts nothing: the first team made (the default team on the first
    // call of a module-level function) starts a supervisor ahead of its workers and schedules
    // the idle-time warm-up, once per process (threads/prestart.ts, call/warm.ts).
    prestartSupervisor();
    scheduleWarmUp();
    this.#forkJoin = new ForkJoin(this.#settings, availableParallelism(), this.#pool, this.#registry, this.#payloads, this.#costs, this.#serialRuns);
  }

  /** Threads of the team's loops (the calling thread included), unless a call asks for another number. */
  get numThreads(): number {
    return this.#settings.numThreads;
  }

  /** Whether close() has been called. */
  get closed(): boolean {
    return this.#closed;
  }

  /** Workers started so far (started, not necessarily ready). */
  get workersStarted(): number {
    return this.#pool.started;
  }

  // ---- public loops ------------------------------------------------------------------

  /** Runs body(i, shared, ctx) for every i in [start, end) on the team; resolves when all are done. Never blocks the event loop. */
  parallelFor<S>(start: number, end: number, body: LoopBody<S>, options?: LoopOptionsOf<S>): Promise<void> {
    return this.#async(() => this.#loop('body', KIND_FOR, start, end, body, options, undefined)) as Promise<void>;
  }

  /** Runs body(i, shared, ctx) for every i in [start, end), the calling thread taking part; returns when all are done. */
  parallelForSync<S>(start: number, end: number, body: LoopBody<S>, options?: LoopOptionsOf<S>): void {
    this.#sync(this.#loop('body', KIND_FOR, start, end, body, options, undefined, true));
  }

  /** The range form: body(lo, hi, shared, ctx) for chunks [lo, hi) that cover [start, end); the body loops itself. */
  parallelForRange<S>(start: number, end: number, body: RangeBody<S>, options?: LoopOptionsOf<S>): Promise<void> {
    return this.#async(() => this.#loop('body', KIND_FOR_RANGE, start, end, body, options, undefined)) as Promise<void>;
  }

  /** Synchronous range form. */
  parallelForRangeSync<S>(start: number, end: number, body: RangeBody<S>, options?: LoopOptionsOf<S>): void {
    this.#sync(this.#loop('body', KIND_FOR_RANGE, start, end, body, options, undefined, true));
  }

  /**
   * Reduction with a built-in reducer ('sum', 'prod', 'min', 'max', 'bitand', 'bitor', 'bitxor'):
   * folds acc = fold(acc, i, shared, ctx) over [start, end) per thread from the reducer's
   * identity and combines the partials in thread order.
   * @returns a promise of the combined number
   */
  parallelReduce<S>(start: number, end: number, fold: Fold<number, S>, reducer: ReducerName, options?: LoopOptionsOf<S>): Promise<number>;
  /**
   * Reduction with a custom reducer: each thread folds from `reducer.identity` (a value, cloned
   * per thread, or a function returning a fresh one); the partials are combined with
   * `reducer.combine` in thread order.
   * @returns a promise of the combined accumulator
   */
  parallelReduce<A, S>(start: number, end: number, fold: Fold<A, S>, reducer: CustomReducer<A>, options?: LoopOptionsOf<S>): Promise<A>;
  parallelReduce<A, S>(start: number, end: number, fold: Fold<A, S>, reducer: Reducer<A>, options?: LoopOptionsOf<S>): Promise<A> {
    return this.#async(() => this.#loop('fold', KIND_REDUCE, start, end, fold, options, reducer)) as Promise<A>;
  }

  /**
   * Synchronous reduction with a built-in reducer; the calling thread takes part.
   * @returns the combined number
   */
  parallelReduceSync<S>(start: number, end: number, fold: Fold<number, S>, reducer: ReducerName, options?: LoopOptionsOf<S>): number;
  /**
   * Synchronous reduction with a custom reducer: each thread folds from `reducer.identity` (a value, cloned
   * per thread, or a function returning a fresh one); the partials are combined with
   * `reducer.combine` in thread order.
   * @returns the combined accumulator
   */
  parallelReduceSync<A, S>(start: number, end: number, fold: Fold<A, S>, reducer: CustomReducer<A>, options?: LoopOptionsOf<S>): A;
  parallelReduceSync<A, S>(start: number, end: number, fold: Fold<A, S>, reducer: Reducer<A>, options?: LoopOptionsOf<S>): A {
    return this.#sync(this.#loop('fold', KIND_REDUCE, start, end, fold, options, reducer, true)) as A;
  }

  /**
   * Range-form reduction with a built-in reducer: acc = fold(acc, lo, hi, shared, ctx) per chunk.
   * @returns a promise of the combined number
   */
  parallelReduceRange<S>(start: number, end: number, fold: RangeFold<number, S>, reducer: ReducerName, options?: LoopOptionsOf<S>): Promise<number>;
  /**
   * Range-form reduction with a custom reducer: each thread folds from `reducer.identity` (a value, cloned
   * per thread, or a function returning a fresh one); the partials are combined with
   * `reducer.combine` in thread order.
   * @returns a promise of the combined accumulator
   */
  parallelReduceRange<A, S>(start: number, end: number, fold: RangeFold<A, S>, reducer: CustomReducer<A>, options?: LoopOptionsOf<S>): Promise<A>;
  parallelReduceRange<A, S>(start: number, end: number, fold: RangeFold<A, S>, reducer: Reducer<A>, options?: LoopOptionsOf<S>): Promise<A> {
    return this.#async(() => this.#loop('fold', KIND_REDUCE_RANGE, start, end, fold, options, reducer)) as Promise<A>;
  }

  /**
   * Synchronous range-form reduction with a built-in reducer.
   * @returns the combined number
   */
  parallelReduceRangeSync<S>(start: number, end: number, fold: RangeFold<number, S>, reducer: ReducerName, options?: LoopOptionsOf<S>): number;
  /**
   * Synchronous range-form reduction with a custom reducer: each thread folds from `reducer.identity` (a value, cloned
   * per thread, or a function returning a fresh one); the partials are combined with
   * `reducer.combine` in thread order.
   * @returns the combined accumulator
   */
  parallelReduceRangeSync<A, S>(start: number, end: number, fold: RangeFold<A, S>, reducer: CustomReducer<A>, options?: LoopOptionsOf<S>): A;
  parallelReduceRangeSync<A, S>(start: number, end: number, fold: RangeFold<A, S>, reducer: Reducer<A>, options?: LoopOptionsOf<S>): A {
    return this.#sync(this.#loop('fold', KIND_REDUCE_RANGE, start, end, fold, options, reducer, true)) as A;
  }

  /**
   * A parallel region (`#pragma omp parallel`): body(shared, ctx) runs once on every thread
   * of the team at the same time, with ctx.threadId 0..numThreads-1. Inside, ctx offers
   * barrier(), single(fn), master(fn), critical(fn, name?) and for(start, end, body, options).
   * Waits for every worker to be running before it starts.
   */
  parallel<S>(body: RegionBody<S>, options?: RegionOptionsOf<S>): Promise<void> {
    return this.#async(() => this.#region(body, options)) as Promise<void>;
  }

  /** Synchronous parallel region; the calling thread is one of the team. */
  parallelSync<S>(body: RegionBody<S>, options?: RegionOptionsOf<S>): void {
    this.#sync(this.#region(body, options));
  }

  /** Runs a few different functions in parallel (`#pragma omp sections`); resolves to their results, in order. */
  sections<S, const F extends readonly SectionFn<S>[]>(functions: readonly [...F], options?: LoopOptionsOf<S>): Promise<SectionResults<F>> {
    let call: { start: number; end: number; body: RangeFold<unknown[], unknown>; options: LoopOptionsOf<unknown> };
    try {
      call = sectionsCall(functions, options as LoopOptionsOf<unknown> | undefined);
    } catch (err) {
      return Promise.reject(err);
    }
    return this.parallelReduceRange(call.start, call.end, call.body, CONCAT, call.options).then((pairs) => placePairs(pairs, functions.length) as SectionResults<F>);
  }

  /** Synchronous sections. */
  sectionsSync<S, const F extends readonly SectionFn<S>[]>(functions: readonly [...F], options?: LoopOptionsOf<S>): SectionResults<F> {
    const call = sectionsCall(functions, options as LoopOptionsOf<unknown> | undefined);
    return placePairs(this.parallelReduceRangeSync(call.start, call.end, call.body, CONCAT, call.options), functions.length) as SectionResults<F>;
  }

  /**
   * fn(item, index, shared) for every item, on the team; resolves to the results in order
   * (Python's Pool.map). Items and results travel by structured clone; items are split into
   * one contiguous block per thread, and small maps run serially (serialBelowUs).
   */
  parallelMap<T, R, S = undefined>(items: readonly T[], fn: MapFn<T, R, S>, options?: LoopOptionsOf<S>): Promise<R[]> {
    let map: MapCall;
    try {
      map = mapCall(items, fn, options as LoopOptionsOf<unknown> | undefined);
    } catch (err) {
      return Promise.reject(err);
    }
    return this.#async(
      () => this.#loop('fold', KIND_REDUCE_RANGE, 0, items.length, map.body, map.options, CONCAT),
      (call) => this.#mapHere(call, map, true),
    ) as Promise<R[]>;
  }

  /** Synchronous parallelMap. */
  parallelMapSync<T, R, S = undefined>(items: readonly T[], fn: MapFn<T, R, S>, options?: LoopOptionsOf<S>): R[] {
    const map = mapCall(items, fn, options as LoopOptionsOf<unknown> | undefined);
    const call = this.#loop('fold', KIND_REDUCE_RANGE, 0, items.length, map.body, map.options, CONCAT);
    return (this.#mapHere(call, map, false) ?? this.#sync(call)) as R[];
  }

  /**
   * Starts every worker now (numThreads - 1, plus one more when `forAsync`) and resolves
   * when all of them are serving. Optional: loops start workers on their own.
   */
  async start(forAsync = false, threads = this.#settings.numThreads): Promise<void> {
    if (this.#closed) throw teamClosed();
    return this.#pool.start(forAsync, threads);
  }

  /** Ends the workers once queued asynchronous loops have finished. Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return this.#tail.then(() => undefined);
    this.#closed = true;
    const done = this.#tail.then(
      () => this.#pool.shutdown(),
      () => this.#pool.shutdown(),
    );
    this.#tail = done;
    await done;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  #sync(call: Call): unknown {
    if (call !== this.#syncCall) return this.#runSync(call);
    try {
      return this.#runSync(call);
    } finally {
      // Nothing of this call stays reachable from the team.
      const kept = this.#syncCall;
      kept.fn = undefined;
      kept.shared = undefined;
      kept.reducer = undefined;
      kept.settings = this.#loopDefaults;
      this.#syncCallBusy = false;
    }
  }

  #runSync(call: Call): unknown {
    // A closed team and an aborted signal fail every call, an empty one too.
    if (this.#closed) throw teamClosed();
    if (call.settings.signal?.aborted) throw call.settings.signal.reason;
    if (call.end <= call.start) return this.#serialRuns.empty(call);
    if (insideRegion()) return this.#serialRuns.nested(call);
    const bodyId = call.body;
    // Validates `shared` whether or not the call runs serially: a call that works on one
    // thread works on many.
    const sharedVersion = this.#payloads.versionOf(call.shared);
    call.shared = this.#payloads.viewOf(sharedVersion, call.shared);
    let run = this.#registry.runner(bodyId, call.kind);
    // A call with a timeout runs no body on the calling thread (unless an asynchronous loop
    // holds the team): a thread that runs a body cannot stop it, and the caller must stay
    // free to end the call at its deadline (design.md#faults).
    const callerWaits = call.settings.timeout !== undefined && !this.#pool.asyncInFlight;
    if (run !== undefined && !callerWaits && this.#serial(call)) return this.#serialRuns.run(call, run);
    if (callerWaits) run = undefined;
    const region = this.#forkJoin.plan(call, bodyId, sharedVersion, call.identity, callerWaits, true);
    // No runner here (a module body still loading on this thread): `if: false` and one-thread
    // calls run on worker 1 (a one-slot region would otherwise have no worker to claim it).
    if (!call.settings.parallel || region.p === 1) oneWorker(call, region);
    if (this.#pool.asyncInFlight) {
      throw moduleLoadingDuringAsync();
    }
    this.#pool.reap();
    if (this.#pool.failure !== undefined) this.#pool.recover();
    return this.#forkJoin.runSync(call, region, run);
  }

  /** `here`, when given, may run the call on this thread instead (parallelMap); undefined when it does not. */
  #async(make: () => Call, here?: (call: Call) => unknown): Promise<unknown> {
    let call: Call;
    try {
      call = make();
    } catch (err) {
      return Promise.reject(err);
    }
    if (this.#closed) return Promise.reject(teamClosed());
    if (call.settings.signal?.aborted) return Promise.reject(call.settings.signal.reason);
    if (call.end <= call.start) return Promise.resolve(this.#serialRuns.empty(call));
    if (insideRegion()) {
      try {
        return Promise.resolve(this.#serialRuns.nested(call));
      } catch (err) {
        return Promise.reject(err);
      }
    }
    // Calls run one after another. The queue's tail must not handle the caller's promise
    // (`result.catch()` would): a rejected call that nobody awaits is reported by the
    // runtime like any other promise's.
    const job = (): unknown => here?.(call) ?? this.#forkJoin.runAsync(call);
    let settle!: { resolve: (v: unknown) => void; reject: (e: unknown) => void };
    const result = new Promise<unknown>((resolve, reject) => (settle = { resolve, reject }));
    this.#tail = this.#tail.then(job, job).then(settle.resolve, settle.reject);
    return result;
  }

  /**
   * A map that would run serially (see #serial; an asynchronous one only when it is tiny, as
   * in #runAsync), or whose items cost under MAP_ITEM_US each (less than moving them to a
   * worker and back), run here at once into one array (call/constructs.ts, runMapHere), timed for
   * the cost model as #runSerial is. A map whose cost is still unknown starts here
   * (probeMapHere) and sends only what is left after the fallback threshold's time to the
   * team: the calling thread of a parallel run may find every slot taken and measure nothing,
   * so a small map would otherwise wake threads for ever. Undefined when the call goes the
   * general way: in parallel, nested, with a timeout to check, or failing before it starts.
   */
  #mapHere(call: Call, map: MapCall, forAsync: boolean): unknown[] | Promise<unknown> | undefined {
    const s = call.settings;
    if (this.#closed || s.signal?.aborted || s.timeout !== undefined || call.end <= call.start || insideRegion()) return undefined;
    const n = call.end - call.start;
    const key = CostModel.key(call.body, call.kind);
    if (s.serialBelowUs > 0 && !this.#costs.known(key) && !(!forAsync && this.#serial(call))) {
      const { head, nsPerItem } = probeMapHere(map, s.serialBelowUs / 1000);
      this.#costs.learn(key, nsPerItem, false);
      if (head.length === n) return head;
      const rest: Call = { ...call, start: head.length };
      const append = (tail: unknown): unknown[] => {
        for (const x of tail as unknown[]) head.push(x);
        return head;
      };
      return forAsync ? this.#forkJoin.runAsync(rest).then(append) : append(this.#sync(rest));
    }
    const forced = !forAsync && (!s.parallel || s.numThreads === 1 || this.#pool.asyncInFlight);
    if (!forced && !(s.serialBelowUs > 0 && (this.#costs.below(key, n, s.serialBelowUs) || this.#costs.below(key, 1, MAP_ITEM_US)))) return undefined;
    const t0 = this.#costs.shouldMeasure(key, n, s.serialBelowUs) ? performance.now() : -1;
    const out = runMapHere(map);
    if (t0 >= 0) this.#costs.learn(key, ((performance.now() - t0) * 1e6) / n, false);
    return out;
  }

  /** Whether to run serially: `if: false`, one thread, or predicted time under the threshold. */
  #serial(call: Call): boolean {
    const s = call.settings;
    if (!s.parallel || s.numThreads === 1 || this.#pool.asyncInFlight) return true;
    return this.#serialRuns.tiny(call);
  }

  /** Validates a loop call; `reuse` (a synchronous loop) fills #syncCall when it is free. */
  #loop(bodyName: string, kind: number, start: number, end: number, fn: unknown, options: unknown, reducer: unknown, reuse = false): Call {
    const into = reuse && !this.#syncCallBusy ? this.#syncCall : undefined;
    const call = loopCall(this.#registry, this.#settings, this.#loopDefaults, bodyName, kind, start, end, fn, options, reducer, into);
    if (call === into) this.#syncCallBusy = true;
    return call;
  }

  /** Validates a parallel region call. */
  #region(body: unknown, options: unknown): Call {
    return regionCall(this.#registry, this.#settings, this.#loopDefaults, body, options);
  }
}
