/**
 * A team: the calling thread plus a persistent set of worker threads, and the loops that
 * run on them. This file holds the public methods, the team's lifecycle and the queue of
 * asynchronous calls; where a call runs is call/dispatch.ts's to say, and the rest is in
 * files of its own: call/call.ts (validation), call/fork-join.ts (the caller's fork/join),
 * call/serial.ts (runs on the calling thread alone), threads/pool.ts (the control block and the
 * workers), call/registry.ts (bodies), call/payloads.ts (`shared`). The protocol is in
 * protocol/transitions.ts and docs/design.md (its map: design.md#map).
 */
import { cpuCount } from './platform/index.js';
import { KIND_FOR, KIND_FOR_RANGE, KIND_REDUCE, KIND_REDUCE_RANGE } from './protocol/control.js';
import { loopCall, newCall, regionCall, type Call, type CallSlot } from './call/call.js';
import { teamClosed } from './errors.js';
import { CostModel } from './call/cost.js';
import { defaultLoopSettings, startOptions, teamSettings, type LoopSettings, type StartOptions, type TeamOptions, type TeamSettings } from './options.js';
import { CONCAT, mapCall, placePairs, probeMapHere, runMapHere, sectionsCall, type MapCall, type MapFn, type SectionFn, type SectionResults } from './call/constructs.js';
import { Payloads } from './call/payloads.js';
import type { ToWorker } from './protocol/messages.js';
import { Pool } from './threads/pool.js';
import { prestartSupervisor } from './threads/prestart.js';
import { scheduleWarmUp } from './call/warm.js';
import { ForkJoin } from './call/fork-join.js';
import { Registry } from './call/registry.js';
import { SerialRuns } from './call/serial.js';
import { ASYNC, ASYNC_MAP, Dispatch, ROUTE_EMPTY, ROUTE_HERE, ROUTE_NESTED, ROUTE_PROBE, SYNC, SYNC_MAP, type CallForm } from './call/dispatch.js';
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
  readonly #dispatch: Dispatch;
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
    this.#pool = new Pool(this.#settings, () => this.#briefing(), () => this.#forkJoin.flight);
    this.#serialRuns = new SerialRuns(this.#costs, this.#registry);
    this.#syncCall = newCall(this.#loopDefaults);
    // Importing parafor starts nothing: the first team made (the default team on the first
    // call of a module-level function) starts a supervisor ahead of its workers and schedules
    // the idle-time warm-up, once per process (threads/prestart.ts, call/warm.ts).
    prestartSupervisor();
    scheduleWarmUp(() => new Team({ numThreads: 2 }));
    this.#forkJoin = new ForkJoin(this.#settings, cpuCount(), this.#pool, this.#registry, this.#payloads, this.#costs, this.#serialRuns);
    this.#dispatch = new Dispatch(this.#registry, this.#costs, () => this.#forkJoin.asyncHeld);
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
   * (Python's Pool.map). Items travel as `shared` does (numbers, strings, plain objects and
   * arrays, shared memory: no Map, Date or class instance) and reach `fn` frozen; results come
   * back by structured clone (no functions or symbols). Items are split into one contiguous
   * block per thread; a small or cheap map runs on the calling thread.
   */
  parallelMap<T, R, S = undefined>(items: readonly T[], fn: MapFn<T, R, S>, options?: LoopOptionsOf<S>): Promise<R[]> {
    let map: MapCall;
    try {
      map = mapCall(items, fn, options as LoopOptionsOf<unknown> | undefined);
    } catch (err) {
      return Promise.reject(err);
    }
    return this.#async(() => this.#loop('fold', KIND_REDUCE_RANGE, 0, items.length, map.body, map.options, CONCAT), map) as Promise<R[]>;
  }

  /** Synchronous parallelMap. */
  parallelMapSync<T, R, S = undefined>(items: readonly T[], fn: MapFn<T, R, S>, options?: LoopOptionsOf<S>): R[] {
    const map = mapCall(items, fn, options as LoopOptionsOf<unknown> | undefined);
    return this.#sync(this.#loop('fold', KIND_REDUCE_RANGE, 0, items.length, map.body, map.options, CONCAT), map) as R[];
  }

  /**
   * Starts the workers of a call now (numThreads - 1; one more with `forAsync: true`, for
   * asynchronous calls) and resolves when all of them are serving. Optional: calls start
   * workers on their own.
   */
  async start(options?: StartOptions): Promise<void> {
    const [forAsync, threads] = startOptions(options, this.#settings.numThreads);
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

  /**
   * A synchronous call: refused on a closed team or an aborted signal (an empty call too), else
   * run where dispatch.ts routes it. The kept Call of synchronous loops is released after it.
   */
  #sync(call: Call, map?: MapCall): unknown {
    if (call !== this.#syncCall) return this.#runSync(call, map);
    try {
      return this.#runSync(call, map);
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

  #runSync(call: Call, map: MapCall | undefined): unknown {
    if (this.#closed) throw teamClosed();
    if (call.settings.signal?.aborted) throw call.settings.signal.reason;
    return this.#run(call, map === undefined ? SYNC : SYNC_MAP, map);
  }

  /**
   * An asynchronous call: refused likewise, settled at once when empty or nested, else queued:
   * calls run one after another, each routed again when its turn comes. The queue's tail must
   * not handle the caller's promise (`result.catch()` would): a rejected call that nobody
   * awaits is reported by the runtime like any other promise's.
   */
  #async(make: () => Call, map?: MapCall): Promise<unknown> {
    let call: Call;
    try {
      call = make();
    } catch (err) {
      return Promise.reject(err);
    }
    if (this.#closed) return Promise.reject(teamClosed());
    if (call.settings.signal?.aborted) return Promise.reject(call.settings.signal.reason);
    const form = map === undefined ? ASYNC : ASYNC_MAP;
    const now = this.#dispatch.route(call, form);
    if (now === ROUTE_EMPTY || now === ROUTE_NESTED) {
      try {
        return Promise.resolve(this.#run(call, form, map));
      } catch (err) {
        return Promise.reject(err);
      }
    }
    const job = (): unknown => this.#run(call, form, map);
    let settle!: { resolve: (v: unknown) => void; reject: (e: unknown) => void };
    const result = new Promise<unknown>((resolve, reject) => (settle = { resolve, reject }));
    this.#tail = this.#tail.then(job, job).then(settle.resolve, settle.reject);
    return result;
  }

  /** Runs a call where dispatch.ts routes it now. */
  #run(call: Call, form: CallForm, map: MapCall | undefined): unknown {
    switch (this.#dispatch.route(call, form)) {
      case ROUTE_EMPTY:
        return this.#serialRuns.empty(call);
      case ROUTE_NESTED:
        return this.#serialRuns.nested(call);
      case ROUTE_PROBE:
        return this.#probeMap(call, map!, form);
      case ROUTE_HERE:
        if (map !== undefined && call.settings.timeout === undefined) return this.#mapHere(call, map);
        // `shared` is checked whether or not the call runs serially: a call that works on one
        // thread works on many.
        this.#payloads.admit(call);
        return this.#serialRuns.run(call, this.#registry.runner(call.body, call.kind)!);
      default:
        return form.forAsync ? this.#forkJoin.runAsync(call) : this.#forkJoin.runSync(call);
    }
  }

  /**
   * A map that runs here: its items in one loop into one array (constructs.ts, runMapHere),
   * timed for the cost model when it asks for a sample.
   */
  #mapHere(call: Call, map: MapCall): unknown[] {
    const n = call.end - call.start;
    const key = CostModel.key(call.body, call.kind);
    const t0 = this.#costs.startSample(key, n, call.settings.serialBelowUs);
    const out = runMapHere(map);
    this.#costs.endSample(key, t0, n);
    return out;
  }

  /** A map whose cost is unknown: its head here for the fallback's threshold (probeMapHere), the rest on the team. */
  #probeMap(call: Call, map: MapCall, form: CallForm): unknown[] | Promise<unknown[]> {
    const n = call.end - call.start;
    const { head, nsPerItem } = probeMapHere(map, call.settings.serialBelowUs / 1000);
    this.#costs.learn(CostModel.key(call.body, call.kind), nsPerItem, false);
    if (head.length === n) return head;
    // The rest is a plain range reduction from the first item not mapped yet.
    const rest: Call = { ...call, start: head.length };
    const append = (tail: unknown): unknown[] => {
      for (const x of tail as unknown[]) head.push(x);
      return head;
    };
    // The rest may run here too (a value) or on the team (a promise, for an asynchronous call).
    return form.forAsync ? Promise.resolve(this.#run(rest, ASYNC, undefined)).then(append) : append(this.#run(rest, SYNC, undefined));
  }

  /** What a worker that starts now must be told before it serves: the bodies, `shared` payloads and reducer identity in use. */
  #briefing(): ToWorker[] {
    const identity = this.#forkJoin.identityMessage;
    return [...this.#registry.definitions, ...this.#payloads.messages(), ...(identity === undefined ? [] : [identity])];
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
